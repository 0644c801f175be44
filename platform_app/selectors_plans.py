"""Reads for the plans and module registry pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from .models import BusinessTemplate, ModuleRegistry, Plan, Tenant


@dataclass(frozen=True)
class PlanRow:
    plan: Plan
    tenants: int  # tenants on it (deleted ones aside)
    modules: list[ModuleRegistry]  # the registry's modules the plan includes, in its order

    @property
    def all_modules(self) -> bool:
        """No list on the plan (made before plans carried modules): nothing is withheld."""
        return plan_module_codes(self.plan) is None


def plan_module_codes(plan: Plan) -> list[str] | None:
    """The module codes a plan lists; None when its features name none (no restriction,
    as platform_app.directory.plan_modules_of reads it)."""
    modules = (plan.features or {}).get("modules")
    return [str(code) for code in modules] if isinstance(modules, list) else None


def module_list() -> list[ModuleRegistry]:
    return list(ModuleRegistry.objects.order_by("code"))


def plan_list() -> list[PlanRow]:
    """Every plan, cheapest first, with its tenant count and its modules (two queries)."""
    plans = Plan.objects.annotate(
        on_it=Count("tenants", filter=~Q(tenants__status=Tenant.Status.DELETED))
    ).order_by("price_monthly", "code")
    registry = module_list()
    rows = []
    for plan in plans:
        codes = plan_module_codes(plan)
        included = registry if codes is None else [m for m in registry if m.code in codes]
        rows.append(PlanRow(plan, plan.on_it, included))
    return rows


def plan_get(code: str) -> Plan | None:
    return Plan.objects.filter(code=code).first()


def offered_plans() -> list[Plan]:
    """The plans a tenant can be moved to (offered ones), cheapest first."""
    return list(Plan.objects.filter(is_active=True).order_by("price_monthly", "code"))


@dataclass(frozen=True)
class ModuleRow:
    module: ModuleRegistry
    templates: list[str]  # business template labels offering it
    default_templates: list[str]  # ... and switching it on by default
    plans: list[Plan]  # plans including it


def module_registry_rows() -> list[ModuleRow]:
    """The module registry with, for each module, the templates that offer it and enable
    it by default, and the plans that include it (two queries)."""
    labels = dict(BusinessTemplate.choices)
    plans = list(Plan.objects.order_by("price_monthly", "code"))
    rows = []
    for module in module_list():
        rows.append(
            ModuleRow(
                module,
                [str(labels.get(code, code)) for code in module.templates],
                [str(labels.get(code, code)) for code in module.default_templates],
                [
                    plan
                    for plan in plans
                    if (codes := plan_module_codes(plan)) is None or module.code in codes
                ],
            )
        )
    return rows
