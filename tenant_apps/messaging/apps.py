from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "tenant_apps.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from . import extensions  # noqa: F401  (permission row, event type, customer section)
