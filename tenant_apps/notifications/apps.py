from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "tenant_apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # What the app adds to the core (permission rows, routes, the sends sweep), and the
        # workflow-trigger handler it registers with the event bus.
        from . import extensions, handlers  # noqa: F401
