from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockConfig(AppConfig):
    name = "tenant_apps.stock"
    label = "stock"
    verbose_name = _("Stock")

    def ready(self) -> None:
        # What the app adds to the core (permission row, event types, routes), and the
        # order-event handlers it registers with the event bus (dockpulse.events.handlers).
        from . import extensions, handlers  # noqa: F401
