"""Reads for the billing page: the records, and MRR, ARR, tenants per plan, churn, billed and
collected over the last 12 months (docs/platform.md, "Billing").

Decisions:
- A tenant's status on a day is rebuilt from the audit log (`tenant.created` makes it
  active, then `tenant.suspended`, `tenant.active` (resumed) and `tenant.deleted`); a tenant
  whose rows have none of those (made without the services) counts from its creation with
  its current status, a deleted or suspended one from its `updated_at`.
- MRR of a month: the monthly price of the plan in force (TenantPlanPeriod, else the
  tenant's plan) of every tenant *active* at the month's end (now, for this month).
  Tenants have no billing cycle, so every plan counts at its monthly price; ARR = 12 x MRR.
  Suspended tenants are not in MRR (they are billed, but are not recurring revenue one
  can count on).
- Churn of a month: tenants active at the month's start and not active at its end
  (suspended or deleted), divided by those active at the start. A suspension undone
  within the month is not churn.
- Billed: the records' amounts (void excluded) by the month they bill. Collected: the paid
  records' amounts by the month they were marked paid (cash). Mark paid changes collected.
- One currency (PLN, the plans' default): amounts are summed as they are.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import BillingRecord, Plan, Tenant, TenantAuditLog, TenantPlanPeriod
from .services.billing import month_start, platform_today, platform_zone

MONTHS = 12
_STATUS_ACTIONS = {
    "tenant.created": Tenant.Status.ACTIVE,
    "tenant.active": Tenant.Status.ACTIVE,
    "tenant.suspended": Tenant.Status.SUSPENDED,
    "tenant.deleted": Tenant.Status.DELETED,
}


def billing_record_list(
    *, month: date | None = None, status: str = "", tenant: str = ""
) -> QuerySet[BillingRecord]:
    """Records, newest month first, then by tenant; narrowed by any of the filters."""
    qs = BillingRecord.objects.select_related("plan").order_by("-period_start", "tenant_slug")
    if month is not None:
        qs = qs.filter(period_start=month_start(month))
    if status:
        qs = qs.filter(status=status)
    if tenant:
        qs = qs.filter(tenant_slug__icontains=tenant.strip())
    return qs


def billing_months(*, today: date | None = None, count: int = MONTHS) -> list[date]:
    """The first days of the last `count` months, oldest first, this month last."""
    current = month_start(today or platform_today())
    months = [current]
    while len(months) < count:
        months.append(month_start(months[-1] - timedelta(days=1)))
    return list(reversed(months))


def _starts(month: date) -> datetime:
    return datetime.combine(month, time.min).replace(tzinfo=platform_zone())


def _next_month(month: date) -> date:
    return month_start(month + timedelta(days=32))


@dataclass
class _Timeline:
    """When a tenant's status changed, in order: status at a moment = the last change."""

    times: list[datetime] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)

    def at(self, moment: datetime) -> str | None:
        i = bisect_right(self.times, moment)
        return self.statuses[i - 1] if i else None


def _timelines(tenants: list[Tenant]) -> dict[uuid.UUID, _Timeline]:
    events: dict[uuid.UUID, list[tuple[datetime, str]]] = defaultdict(list)
    rows = TenantAuditLog.objects.filter(
        tenant__in=tenants, action__in=list(_STATUS_ACTIONS)
    ).values_list("tenant_id", "created_at", "action")
    for tenant_id, at, action in rows:
        events[tenant_id].append((at, _STATUS_ACTIONS[action]))
    timelines = {}
    for tenant in tenants:
        changes = sorted(events.get(tenant.pk, []))
        if not changes and tenant.status != Tenant.Status.ACTIVE:
            changes = [(tenant.updated_at, tenant.status)]
        changes = [(tenant.created_at, Tenant.Status.ACTIVE), *changes]
        changes.sort(key=lambda change: change[0])
        timelines[tenant.pk] = _Timeline([c[0] for c in changes], [c[1] for c in changes])
    return timelines


@dataclass(frozen=True, slots=True)
class MonthFigures:
    month: date
    mrr: Decimal
    arr: Decimal
    tenants_by_plan: dict[str, int]  # plan code -> tenants active at the month's end
    active_start: int
    churned: int
    churn_pct: Decimal | None  # None when no tenant was active at the start
    billed: Decimal
    collected: Decimal

    @property
    def active_end(self) -> int:
        return sum(self.tenants_by_plan.values())


@dataclass(frozen=True, slots=True)
class BillingMetrics:
    months: list[MonthFigures]
    plans: list[Plan]  # the plans that appear in tenants_by_plan, cheapest first


def billing_metrics(*, today: date | None = None, count: int = MONTHS) -> BillingMetrics:
    today = today or platform_today()
    months = billing_months(today=today, count=count)
    now = timezone.now()
    tenants = list(Tenant.objects.exclude(status=Tenant.Status.PROVISIONING).select_related("plan"))
    timelines = _timelines(tenants)
    periods: dict[uuid.UUID, list[TenantPlanPeriod]] = defaultdict(list)
    for period in TenantPlanPeriod.objects.select_related("plan").order_by(
        "starts_on", "created_at"
    ):
        periods[period.tenant_id].append(period)

    def plan_on(tenant: Tenant, day: date) -> Plan | None:
        in_force = [p for p in periods.get(tenant.pk, []) if p.starts_on <= day]
        return in_force[-1].plan if in_force else tenant.plan

    first = months[0]
    billed = dict(
        BillingRecord.objects.filter(period_start__gte=first)
        .exclude(status=BillingRecord.Status.VOID)
        .values("period_start")
        .annotate(total=Sum("amount"))
        .values_list("period_start", "total")
    )
    collected = {
        (at.date() if isinstance(at, datetime) else at): total
        for at, total in BillingRecord.objects.filter(
            status=BillingRecord.Status.PAID, paid_at__gte=_starts(first)
        )
        .annotate(month=TruncMonth("paid_at", tzinfo=platform_zone()))
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    }
    plans_seen: dict[str, Plan] = {}
    figures = []
    for month in months:
        start = _starts(month)
        end_moment = min(_starts(_next_month(month)) - timedelta(microseconds=1), now)
        end_day = min(_next_month(month) - timedelta(days=1), today)
        mrr = Decimal(0)
        by_plan: dict[str, int] = defaultdict(int)
        active_start = churned = 0
        for tenant in tenants:
            timeline = timelines[tenant.pk]
            was_active = timeline.at(start) == Tenant.Status.ACTIVE
            is_active = timeline.at(end_moment) == Tenant.Status.ACTIVE
            if was_active:
                active_start += 1
                if not is_active:
                    churned += 1
            if is_active:
                plan = plan_on(tenant, end_day)
                if plan is not None:
                    mrr += plan.price_monthly
                    by_plan[plan.code] += 1
                    plans_seen[plan.code] = plan
        churn = (
            (Decimal(churned) * 100 / active_start).quantize(Decimal("0.1"))
            if active_start
            else None
        )
        figures.append(
            MonthFigures(
                month=month,
                mrr=mrr,
                arr=mrr * 12,
                tenants_by_plan=dict(by_plan),
                active_start=active_start,
                churned=churned,
                churn_pct=churn,
                billed=billed.get(month) or Decimal(0),
                collected=collected.get(month) or Decimal(0),
            )
        )
    plans = sorted(plans_seen.values(), key=lambda p: (p.price_monthly, p.code))
    return BillingMetrics(months=figures, plans=plans)
