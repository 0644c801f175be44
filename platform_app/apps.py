from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "platform_app"
    label = "platform_app"
    verbose_name = "Platform"

    def ready(self) -> None:
        from dockpulse.tenancy import directory, impersonation

        from .directory import PlatformTenantDirectory
        from .impersonation_directory import PlatformImpersonationDirectory

        # The tenancy core looks tenants up through this, never through our models.
        directory.provide(PlatformTenantDirectory())
        impersonation.provide(PlatformImpersonationDirectory())
        from . import receivers

        receivers.connect()
