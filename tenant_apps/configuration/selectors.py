"""Reads of the tenant's configuration: the module switch, and what the settings pages list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockpulse import extensions

from . import labels
from .models import CompanyProfile, FieldConfig, TenantModule


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


# --- the settings pages --------------------------------------------------------------


@dataclass(frozen=True)
class ModuleRow:
    module: TenantModule
    name: Any
    description: Any


def module_rows() -> list[ModuleRow]:
    """The tenant's modules (those its business template offers), named (one query)."""
    rows = []
    for module in module_list():
        label = labels.module_label(module.module_code)
        rows.append(ModuleRow(module, label.name, label.description))
    return rows


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: Any
    core: bool  # always shown and required
    visible: bool
    required: bool


@dataclass(frozen=True)
class EntityRows:
    entity: str
    label: Any
    fields: list[FieldRow]


def field_rows() -> list[EntityRows]:
    """Every configurable entity's fields with this tenant's rules (one query)."""
    stored = {(c.entity_type, c.field_name): c for c in FieldConfig.objects.all()}
    result = []
    for entity, declared in extensions.entities().items():
        rows = [
            FieldRow(name, labels.field_label(name), core=True, visible=True, required=True)
            for name in declared.core
        ]
        for name in declared.configurable:
            config = stored.get((entity, name))
            visible = True if config is None else config.is_visible
            required = False if config is None else config.is_required and visible
            rows.append(FieldRow(name, labels.field_label(name), False, visible, required))
        result.append(EntityRows(entity, labels.entity_label(entity), rows))
    return result


def company_profile() -> CompanyProfile:
    """The tenant's company profile; an unsaved blank one before the first save."""
    return CompanyProfile.objects.filter(singleton=True).first() or CompanyProfile()
