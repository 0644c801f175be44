"""Writes of the tenant's configuration."""

from __future__ import annotations

from collections.abc import Iterable

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
