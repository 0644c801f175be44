"""Plans: create and edit them, move a tenant to another one, and what changes for the
tenants on a plan when the plan changes.

A plan's limits and modules travel on each tenant's cached info (TenantInfo.limits,
TenantInfo.plan_modules): every write here that changes what a tenant may do gives the
tenant a new stamp, published when the platform transaction commits, so every process
sees it from its next request (docs/platform.md, "Plans").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.registry import registry
from platform_app.directory import publish, stamp_of
from platform_app.models import ModuleRegistry, Plan, Tenant
from tenant_apps.accounts.models import User
from tenant_apps.customers.models import Customer

from .audit import audit, audit_record
from .plan_periods import plan_period_start, plan_periods_reprice, platform_today

# Every plan includes these: the panel, the portal and stock are built on customers,
# products and orders, so a plan without one of them would be a broken product, not a
# smaller one.
CORE_MODULES = ("@customers", "@products", "@orders")
_CODE = re.compile(r"^[a-z][a-z0-9-]*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def plan_publish_tenants(*, plan: Plan) -> int:
    """Give every tenant on `plan` a new stamp, published when the platform transaction
    commits; returns how many.

    The plan's limits travel on each tenant's cached info (TenantInfo.limits), and a
    process reloads a tenant only when its stamp changes: without this, lowering
    max_customers would reach the tenants' writes only after some other change of theirs.
    """
    with transaction.atomic(using="default"):
        # Deleted tenants have no cached info to refresh, and their updated_at stands in
        # for the deletion day where the audit row is missing (billing).
        tenants = Tenant.objects.filter(plan=plan).exclude(status=Tenant.Status.DELETED)
        # updated_at is half of the stamp; QuerySet.update() leaves auto_now alone.
        tenants.update(updated_at=timezone.now())
        stamps = [
            (tenant.slug, stamp_of(tenant))
            for tenant in tenants.only("slug", "generation", "updated_at")
        ]
        transaction.on_commit(lambda: registry.publish_many(stamps), using="default")
    return len(stamps)


# --- plan create / update -------------------------------------------------------------------


@dataclass(frozen=True)
class PlanValues:
    """What a plan form gives (already typed; the service checks the rules)."""

    code: str
    name: str
    price_monthly: Decimal
    price_yearly: Decimal | None
    currency: str
    max_users: int | None  # None = unlimited
    max_customers: int | None
    modules: tuple[str, ...]
    is_active: bool = True


def _validate_plan(values: PlanValues, *, plan: Plan | None) -> None:
    errors: dict[str, list[str]] = {}
    if not _CODE.match(values.code):
        errors["code"] = [_("Use lower-case letters, digits and hyphens, starting with a letter.")]
    elif (
        Plan.objects.filter(code=values.code)
        .exclude(pk__in=[plan.pk] if plan is not None else [])
        .exists()
    ):
        errors["code"] = [_("The code %(code)s is taken by another plan.") % {"code": values.code}]
    if not values.name.strip():
        errors["name"] = [_("Enter the plan's name.")]
    if values.price_monthly < 0:
        errors["price_monthly"] = [_("A price cannot be negative.")]
    if values.price_yearly is None:
        errors["price_yearly"] = [_("Enter the yearly price.")]
    elif values.price_yearly < 0:
        errors["price_yearly"] = [_("A price cannot be negative.")]
    if not _CURRENCY.match(values.currency):
        errors["currency"] = [_("Enter a three-letter currency code, such as PLN.")]
    for field in ("max_users", "max_customers"):
        limit = getattr(values, field)
        if limit is not None and limit < 1:
            errors[field] = [_("Enter 1 or more, or leave it empty for unlimited.")]
    known = set(ModuleRegistry.objects.values_list("code", flat=True))
    unknown = sorted(set(values.modules) - known)
    missing = [code for code in CORE_MODULES if code not in values.modules]
    if unknown:
        errors["modules"] = [_("Unknown modules: %(codes)s.") % {"codes": ", ".join(unknown)}]
    elif missing:
        errors["modules"] = [
            _("Every plan includes the core modules; add %(codes)s.")
            % {"codes": ", ".join(missing)}
        ]
    if errors:
        raise ValidationError(errors)


def _apply(plan: Plan, values: PlanValues) -> list[str]:
    """Copy the values onto the plan; returns the names of the fields that changed."""
    changed = []
    simple = {
        "code": values.code, "name": values.name.strip(), "price_monthly": values.price_monthly,
        "price_yearly": values.price_yearly, "currency": values.currency,
        "max_users": values.max_users, "max_customers": values.max_customers,
        "is_active": values.is_active,
    }  # fmt: skip
    for field, value in simple.items():
        if getattr(plan, field) != value:
            setattr(plan, field, value)
            changed.append(field)
    modules = sorted(set(values.modules))
    features = dict(plan.features or {})
    if sorted(features.get("modules") or []) != modules or "modules" not in features:
        # Other keys of features (none today) are kept.
        features["modules"] = modules
        plan.features = features
        changed.append("modules")
    return changed


def _plan_details(plan: Plan) -> dict[str, object]:
    return {
        "plan": plan.code, "name": plan.name, "price_monthly": str(plan.price_monthly),
        "price_yearly": str(plan.price_yearly), "currency": plan.currency,
        "max_users": plan.max_users, "max_customers": plan.max_customers,
        "modules": list((plan.features or {}).get("modules") or []), "offered": plan.is_active,
    }  # fmt: skip


def plan_create(*, values: PlanValues, actor: str = "platform admin") -> Plan:
    """A new plan (audited "plan.created"); no tenant is on it yet."""
    _validate_plan(values, plan=None)
    plan = Plan()
    _apply(plan, values)
    try:
        with transaction.atomic(using="default"):
            plan.save()
            audit_record(action="plan.created", actor=actor, details=_plan_details(plan))
    except IntegrityError as exc:  # a concurrent create of the same code won
        raise ValidationError(
            {"code": [_("The code %(code)s is taken by another plan.") % {"code": values.code}]}
        ) from exc
    return plan


def plan_update(*, plan: Plan, values: PlanValues, actor: str = "platform admin") -> Plan:
    """Change a plan (audited "plan.updated" with the changed fields); its tenants get new
    stamps, so their limits and modules change from their next request."""
    _validate_plan(values, plan=plan)
    if (
        values.currency != plan.currency
        and plan.tenants.exclude(status=Tenant.Status.DELETED).exists()
    ):
        # Its tenants pay in their own currency: a record is never in two.
        raise ValidationError(
            {"currency": [_("Tenants are on this plan: its currency cannot change. Make a "
                            "new plan in the other currency.")]}
        )  # fmt: skip
    before = _plan_details(plan)
    changed = _apply(plan, values)
    if not changed:
        return plan
    after = _plan_details(plan)
    try:
        with transaction.atomic(using="default"):
            plan.save()
            keys = {"modules" if f == "modules" else f for f in changed}
            names = {"is_active": "offered", "code": "plan"}
            details = {
                names.get(key, key): {"from": before[names.get(key, key)],
                                       "to": after[names.get(key, key)]}
                for key in sorted(keys)
            }  # fmt: skip
            audit_record(action="plan.updated", actor=actor, details={"plan": plan.code, **details})
            if "price_monthly" in changed or "currency" in changed:
                # From today at the new price; the days before stay billed at the old one.
                plan_periods_reprice(plan=plan)
            plan_publish_tenants(plan=plan)
    except IntegrityError as exc:
        raise ValidationError(
            {"code": [_("The code %(code)s is taken by another plan.") % {"code": values.code}]}
        ) from exc
    return plan


# --- a tenant's plan ----------------------------------------------------------------------


@dataclass(frozen=True)
class TenantUsageNow:
    """What a tenant has right now, counted in its own database (not the gathered
    TenantUsage, which may be 15 minutes old: a refusal must show today's numbers)."""

    users: int
    customers: int


def tenant_usage_now(slug: str) -> TenantUsageNow:
    """The counts the plan limits are enforced on (dockpulse.tenancy.limits): active
    staff users, customers."""
    with tenant_context(slug):
        return TenantUsageNow(
            users=User.objects.filter(is_active=True).count(),
            customers=Customer.objects.count(),
        )


def _over_limits(tenant: Tenant, plan: Plan, usage: TenantUsageNow) -> list[str]:
    problems = []
    if plan.max_users is not None and usage.users > plan.max_users:
        problems.append(
            ngettext(
                "%(tenant)s has %(count)d active user;",
                "%(tenant)s has %(count)d active users;",
                usage.users,
            )
            % {"tenant": tenant.name, "count": usage.users}
            + " "
            + _("%(plan)s allows %(limit)d.") % {"plan": plan.name, "limit": plan.max_users}
            + " "
            + _("Deactivate users first, or choose a larger plan.")
        )
    if plan.max_customers is not None and usage.customers > plan.max_customers:
        problems.append(
            ngettext(
                "%(tenant)s has %(count)d customer;",
                "%(tenant)s has %(count)d customers;",
                usage.customers,
            )
            % {"tenant": tenant.name, "count": usage.customers}
            + " "
            + _("%(plan)s allows %(limit)d.") % {"plan": plan.name, "limit": plan.max_customers}
            + " "
            + _("Choose a larger plan.")
        )
    return problems


def _check_move(tenant: Tenant, plan: Plan) -> None:
    if tenant.status == Tenant.Status.DELETED:
        raise ValidationError({"plan": [_("There is no tenant %(slug)s.") % {"slug": tenant.slug}]})
    if tenant.plan_id == plan.pk:
        raise ValidationError(
            {"plan": [_("%(tenant)s is already on %(plan)s.")
                      % {"tenant": tenant.name, "plan": plan.name}]}
        )  # fmt: skip
    if plan.currency != tenant.currency:
        # A billing record is in one currency: a tenant's plans are all in its own.
        raise ValidationError(
            {"plan": [_("%(plan)s is priced in %(plan_currency)s; %(tenant)s pays in "
                        "%(currency)s.")
                      % {"plan": plan.name, "plan_currency": plan.currency,
                         "tenant": tenant.name, "currency": tenant.currency}]}
        )  # fmt: skip


def tenant_plan_change(*, slug: str, plan_code: str, actor: str = "platform admin") -> Tenant:
    """Move a tenant to another plan, from today.

    Refused, with the numbers, when the tenant already has more active users or customers
    than the plan allows (counted live in the tenant's database). Otherwise the tenant's
    plan changes, a plan period starts today (billing prorates by these; a second change
    on the same day replaces that day's plan), the change is audited
    ("tenant.plan_changed", from/to) and the tenant's new stamp is published on commit,
    so its limits and modules change from its next request.
    """
    tenant = Tenant.objects.select_related("plan").filter(slug=slug).first()
    if tenant is None or tenant.status == Tenant.Status.DELETED:
        raise ValidationError({"plan": [_("There is no tenant %(slug)s.") % {"slug": slug}]})
    plan = Plan.objects.filter(code=plan_code).first()
    if plan is None or not plan.is_active:
        codes = ", ".join(Plan.objects.filter(is_active=True).values_list("code", flat=True))
        raise ValidationError(
            {
                "plan": [
                    _("There is no plan %(plan)s (plans: %(codes)s).")
                    % {"plan": plan_code, "codes": codes}
                ]
            }
        )
    _check_move(tenant, plan)
    # Counted before the platform transaction (another database); a user added in
    # between is still stopped by the new limits from the tenant's next request.
    usage = tenant_usage_now(tenant.slug)
    problems = _over_limits(tenant, plan, usage)
    if problems:
        raise ValidationError({"plan": problems})
    today = platform_today()
    with transaction.atomic(using="default"):
        tenant = (
            Tenant.objects.select_for_update(of=("self",)).select_related("plan").get(pk=tenant.pk)
        )
        # Again under the lock: a concurrent change or deletion may have come first.
        _check_move(tenant, plan)
        previous = tenant.plan
        tenant.plan = plan
        tenant.save(update_fields=["plan", "updated_at"])
        plan_period_start(tenant=tenant, plan=plan, starts_on=today)
        audit(
            tenant,
            "tenant.plan_changed",
            actor,
            **{"from": previous.code if previous else None, "to": plan.code},
            users=usage.users,
            customers=usage.customers,
        )
        changed = tenant
        transaction.on_commit(lambda: publish(changed), using="default")
    return tenant
