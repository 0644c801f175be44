from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "tenant_apps.configuration"
    label = "configuration"
    verbose_name = "Configuration"

    def ready(self) -> None:
        from dockpulse import modules

        from . import extensions  # noqa: F401  (its permission row and routes)
        from .fields import TenantFieldPolicy
        from .selectors import TenantModuleSwitch

        # The core asks these whether a module is on and which fields are hidden.
        modules.provide(switch=TenantModuleSwitch(), fields=TenantFieldPolicy())
