"""Writes of the tenant's configuration."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dockpulse import events
from dockpulse.tenancy import tenant_atomic

from .models import TenantModule


def modules_seed(*, enabled: Iterable[str], available: Iterable[str]) -> list[TenantModule]:
    """Record every module the business template offers, switched on or off by default."""
    enabled_set = set(enabled)
    with tenant_atomic():
        rows = [
            TenantModule(module_code=code, is_enabled=code in enabled_set)
            for code in sorted(set(available))
        ]
        TenantModule.objects.bulk_create(rows)
        events.emit(
            event_type="entity.created",
            source_module="settings",
            entity_type="tenant_modules",
            payload={"enabled": sorted(enabled_set), "available": sorted(set(available))},
        )
    return rows


def module_set_enabled(*, module: TenantModule, enabled: bool, actor: Any = None) -> TenantModule:
    """Switch a module on or off; its API answers 404 and its pages hide while off."""
    if module.is_enabled == enabled:
        return module
    with tenant_atomic():
        module.is_enabled = enabled
        module.save(update_fields=["is_enabled", "updated_at"])
        events.emit(
            event_type="entity.updated",
            source_module="settings",
            entity_type="tenant_module",
            entity_id=module.id,
            payload={"module_code": module.module_code, "is_enabled": enabled},
            actor=actor,
        )
    return module
