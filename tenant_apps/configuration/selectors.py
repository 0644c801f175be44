"""Reads of the tenant's configuration: the module switch, and what the settings pages list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockpulse import extensions
from dockpulse.tenancy import get_current_tenant

from . import labels
from .models import CompanyProfile, FieldConfig, TenantModule


def plan_includes(code: str) -> bool:
    """Whether the tenant's plan includes the module (the platform puts the plan's modules
    on the tenant's info; no plan, no restriction)."""
    return get_current_tenant().plan_includes(code)


def enabled_module_codes() -> list[str]:
    """The modules that are on: switched on by the tenant AND included in its plan."""
    codes = TenantModule.objects.filter(is_enabled=True).values_list("module_code", flat=True)
    return [code for code in codes if plan_includes(code)]


def module_enabled(code: str) -> bool:
    return (
        plan_includes(code)
        and TenantModule.objects.filter(module_code=code, is_enabled=True).exists()
    )


def module_list() -> list[TenantModule]:
    return list(TenantModule.objects.order_by("module_code"))


class TenantModuleSwitch:
    """The core's `dockpulse.modules.ModuleSwitch`, read from this tenant's tenant_modules
    and its plan: a module is on when the tenant switched it on and the plan includes it,
    so everything that asks the switch (the API's ModuleEnabled, staff_page, the portal,
    stock, event delivery) follows the plan without knowing plans exist."""

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
    in_plan: bool = True

    @property
    def is_on(self) -> bool:
        """What the tenant gets: switched on and included in the plan."""
        return self.in_plan and self.module.is_enabled


def module_rows() -> list[ModuleRow]:
    """The tenant's modules (those its business template offers), named, with whether the
    plan includes each (one query)."""
    rows = []
    for module in module_list():
        label = labels.module_label(module.module_code)
        in_plan = plan_includes(module.module_code)
        rows.append(ModuleRow(module, label.name, label.description, in_plan))
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
