from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "tenant_apps.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # The permission row, the navigation entry and the API routes (dockpulse.extensions).
        from . import extensions  # noqa: F401
