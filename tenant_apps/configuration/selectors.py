from __future__ import annotations

from .models import TenantModule


def enabled_module_codes() -> list[str]:
    return list(TenantModule.objects.filter(is_enabled=True).values_list("module_code", flat=True))
