from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tenant_apps.portal"
    label = "portal"
    verbose_name = "Customer portal"

    def ready(self) -> None:
        from . import extensions  # noqa: F401  (its API paths and event types)
