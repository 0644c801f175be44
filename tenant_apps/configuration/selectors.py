from __future__ import annotations

from .models import TenantModule


def enabled_module_codes() -> list[str]:
    return list(TenantModule.objects.filter(is_enabled=True).values_list("module_code", flat=True))


def module_enabled(code: str) -> bool:
    return TenantModule.objects.filter(module_code=code, is_enabled=True).exists()


def module_list() -> list[TenantModule]:
    return list(TenantModule.objects.order_by("module_code"))


class TenantModuleSwitch:
    """The core's `dockpulse.modules.ModuleSwitch`, read from this tenant's tenant_modules."""

    def is_enabled(self, code: str) -> bool:
        return module_enabled(code)

    def enabled_codes(self) -> frozenset[str]:
        return frozenset(enabled_module_codes())
