from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "tenant_apps.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        # Its matrix row and navigation entry, and the handler keeping the daily aggregates.
        from . import extensions, handlers  # noqa: F401
