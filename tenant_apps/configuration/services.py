"""Writes of the tenant's configuration."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dockpulse import events
from dockpulse.tenancy import tenant_atomic

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


def field_config_set(
    *,
    entity: str,
    field_name: str,
    is_visible: bool | None = None,
    is_required: bool | None = None,
    display_order: int | None = None,
    actor: Any = None,
) -> FieldConfig:
    """Change how one field of an entity behaves (core fields cannot be changed)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .fields import ENTITY_FIELDS

    if entity not in ENTITY_FIELDS:
        raise ValidationError({"entity_type": [_("Unknown entity.")]})
    configurable, core = ENTITY_FIELDS[entity]
    if field_name in core:
        raise ValidationError({"field_name": [_("This field is always shown and required.")]})
    if field_name not in configurable:
        raise ValidationError({"field_name": [_("Unknown field.")]})
    if is_visible is False and is_required:
        raise ValidationError({"is_required": [_("A hidden field cannot be required.")]})
    with tenant_atomic():
        config, _created = FieldConfig.objects.select_for_update().get_or_create(
            entity_type=entity, field_name=field_name
        )
        if is_visible is not None:
            config.is_visible = is_visible
        if is_required is not None:
            config.is_required = is_required
        if display_order is not None:
            config.display_order = display_order
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
