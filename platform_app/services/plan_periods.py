"""The plan history billing prorates by: which plan, at which price, from which day.

Its own module: provisioning, plan changes, plan edits and restores all start periods,
and none of them should import the others to do so.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from platform_app.models import Plan, Tenant, TenantPlanPeriod


def platform_today() -> date:
    """Today in the platform's time zone (billing's months and the periods' days)."""
    return timezone.localdate(timezone=ZoneInfo(settings.PLATFORM_TIME_ZONE))


def plan_period_start(
    *, tenant: Tenant, plan: Plan, starts_on: date | None = None
) -> TenantPlanPeriod:
    """`tenant` is on `plan` at the plan's current price from `starts_on` (today).

    A second start on the same day replaces that day's period: the last word of the day
    is what the day is billed at. Joins the caller's platform transaction, if any.
    """
    starts_on = starts_on or platform_today()
    with transaction.atomic(using="default"):
        period = (
            TenantPlanPeriod.objects.select_for_update()
            .filter(tenant=tenant, starts_on=starts_on)
            .order_by("-created_at")
            .first()
        )
        if period is None:
            return TenantPlanPeriod.objects.create(
                tenant=tenant,
                plan=plan,
                starts_on=starts_on,
                price_monthly=plan.price_monthly,
                currency=plan.currency,
            )
        period.plan, period.price_monthly = plan, plan.price_monthly
        period.currency = plan.currency
        period.save(update_fields=["plan", "price_monthly", "currency"])
        return period


def plan_periods_reprice(*, plan: Plan, starts_on: date | None = None) -> int:
    """The plan's price changed: every tenant on it gets a period at the new price from
    today (deleted tenants aside: they are billed no more days). Returns how many."""
    tenants = Tenant.objects.filter(plan=plan).exclude(status=Tenant.Status.DELETED)
    count = 0
    for tenant in tenants:
        plan_period_start(tenant=tenant, plan=plan, starts_on=starts_on)
        count += 1
    return count
