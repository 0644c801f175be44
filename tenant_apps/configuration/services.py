"""Writes of the tenant's configuration."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import Actor
from dockpulse.tenancy import get_current_tenant, tenant_atomic, tenant_on_commit
from dockpulse.tenancy.directory import directory

from . import labels
from .inputs import CompanyChanges, FieldRuleChanges
from .models import CompanyProfile, FieldConfig, TenantModule


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
    """Switch a module on or off; its API answers 404 and its pages hide while off.

    A module the tenant's plan does not include cannot be switched on (it would stay off
    anyway: the module switch asks the plan too); switching it off is always allowed.
    """
    if enabled and not get_current_tenant().plan_includes(module.module_code):
        raise ValidationError(
            {
                "is_enabled": [
                    _(
                        "%(module)s is not in your plan; it can be switched on after a plan "
                        "change that includes it."
                    )
                    % {"module": labels.module_label(module.module_code).name}
                ]
            }
        )
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


def field_configs_set(
    *, entity: str, rules: Mapping[str, FieldRuleChanges], actor: Actor
) -> list[FieldConfig]:
    """Change several fields of one entity at once (the settings page's form): all of them
    or none."""
    with tenant_atomic():
        return [
            field_config_set(entity=entity, field_name=name, changes=changes, actor=actor)
            for name, changes in rules.items()
        ]


_PROFILE_FIELDS = ("nip", "street", "postal_code", "city", "country", "email", "phone")


def company_profile_update(*, changes: CompanyChanges, actor: Actor) -> CompanyProfile:
    """Change the company profile (inputs.company_changes cleaned `changes`).

    The NIP, address, contacts and logo are the tenant's own row; the name, language and
    time zone are the platform's tenant row, changed through the tenant directory (last,
    inside this transaction: if the platform refuses, nothing here is saved), and seen by
    every process from its next request. A new logo goes to the tenant's file storage;
    the old file is removed once the change is committed.
    """
    tenant = get_current_tenant()
    saved_logo = ""
    try:
        with tenant_atomic():
            CompanyProfile.objects.bulk_create([CompanyProfile()], ignore_conflicts=True)
            profile = CompanyProfile.objects.select_for_update().get(singleton=True)
            changed = [
                key
                for key in _PROFILE_FIELDS
                if key in changes and getattr(profile, key) != changes[key]  # type: ignore[literal-required]
            ]
            for key in changed:
                setattr(profile, key, changes[key])  # type: ignore[literal-required]
            if "logo" in changes and (changes["logo"] is not None or profile.logo):
                old_logo, logo = profile.logo, changes["logo"]
                if logo is None:
                    profile.logo = ""
                else:
                    saved_logo = default_storage.save(
                        f"company/logo-{uuid.uuid4().hex}.{logo.extension}",
                        ContentFile(logo.content),
                    )
                    profile.logo = saved_logo
                if old_logo:
                    tenant_on_commit(_Remove(old_logo), robust=True)
                changed.append("logo")
            profile.save()
            platform = {
                "name": changes.get("name", tenant.name),
                "language": changes.get("language", tenant.language),
                "time_zone": changes.get("time_zone", tenant.time_zone),
            }
            current = {"name": tenant.name, "language": tenant.language,
                       "time_zone": tenant.time_zone}  # fmt: skip
            moved = sorted(key for key in platform if platform[key] != current[key])
            if moved:
                directory().update_profile(
                    tenant.id,
                    name=platform["name"],
                    language=platform["language"],
                    time_zone=platform["time_zone"],
                    actor=f"{actor.kind}:{actor.label or actor.id}",
                )
                changed += moved
            if changed:
                events.emit(
                    event_type="entity.updated",
                    source_module="settings",
                    entity_type="company_profile",
                    entity_id=profile.id,
                    payload={"changed": sorted(changed)},
                    actor=actor,
                )
    except BaseException:
        if saved_logo:  # the row that would have named it was rolled back
            default_storage.delete(saved_logo)
        raise
    return profile


class _Remove:
    """Deletes a stored file of the tenant (run on commit, in the tenant's context)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self) -> None:
        default_storage.delete(self.name)
