"""Writes of the tenant's configuration."""

from __future__ import annotations

from collections.abc import Iterable

from dockpulse import events
from dockpulse.actors import Actor
from dockpulse.tenancy import tenant_atomic

from .inputs import FieldRuleChanges
from .models import FieldConfig, TenantModule


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


def module_set_enabled(*, module: TenantModule, enabled: bool, actor: Actor) -> TenantModule:
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


def field_config_set(
    *, entity: str, field_name: str, changes: FieldRuleChanges, actor: Actor
) -> FieldConfig:
    """Change how one configurable field of an entity behaves (inputs.field_rule_target
    names it); a hidden field is never required."""
    with tenant_atomic():
        config, _created = FieldConfig.objects.select_for_update().get_or_create(
            entity_type=entity, field_name=field_name
        )
        if "is_visible" in changes:
            config.is_visible = changes["is_visible"]
        if "is_required" in changes:
            config.is_required = changes["is_required"]
        if "display_order" in changes:
            config.display_order = changes["display_order"]
        if not config.is_visible:
            config.is_required = False
        config.save()
        events.emit(
            event_type="entity.updated",
            source_module="settings",
            entity_type="field_config",
            entity_id=config.id,
            payload={
                "entity_type": entity,
                "field_name": field_name,
                "is_visible": config.is_visible,
                "is_required": config.is_required,
            },
            actor=actor,
        )
    return config
