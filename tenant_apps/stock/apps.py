from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockConfig(AppConfig):
    name = "tenant_apps.stock"
    label = "stock"
    verbose_name = _("Stock")

    def ready(self) -> None:
        # Registers the order-event handlers with the event bus (dockpulse.events.handlers).
        from . import handlers  # noqa: F401
