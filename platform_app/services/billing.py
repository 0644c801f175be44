"""Billing: one record per tenant per month, in arrears, prorated by days (docs/platform.md).

Which month: the month that has ended. Beat runs `platform.billing_generate` hourly; each
run bills the previous month for every tenant that has no record for it yet, so the first
run on the 1st makes the records and every later run (or a second worker, or an admin's
click) makes none. Arrears because "prorated by days" needs the days the month really
had on each plan: a plan change on the 20th is known only after the 20th.

Which days: from the tenant's creation (its date in PLATFORM_TIME_ZONE) to the month's
end or its deletion day (included: it was used that day), whatever its status between:
a suspended tenant keeps its data and its place, and suspension is most often for not
paying, so suspended days are billed. The deletion day is the time of the latest
`tenant.deleted` audit row, or the tenant row's `updated_at` when there is none (rows made
without the services). Days before the tenant's first plan period are not billed.

Which plan: on each day, the plan period with the latest `starts_on` on or before it.
Each run of consecutive days on one plan is a line {plan, days, of_days, amount} with
amount = monthly price x days / days in the month, rounded half up to 0.01; the record's
amount is the sum of its lines, its plan the plan in force on its last billed day.

Due date: PLATFORM_BILLING_DUE_DAYS (14) after the day the record is made, so the 15th of
the month after the one billed (not after the period's start: billed in arrears, that
would be overdue on arrival).

One record per (tenant, month) is the database's guarantee (the partial unique constraint
billing_one_per_tenant_period): the insert is INSERT ... ON CONFLICT DO NOTHING, so two
runs at the same time make one record each between them, never two.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_app.models import BillingRecord, Plan, Tenant, TenantAuditLog, TenantPlanPeriod

from .audit import audit_record, current_origin

CENT = Decimal("0.01")
# A record in these statuses can still be paid or voided.
OPEN_STATUSES = frozenset({BillingRecord.Status.PENDING, BillingRecord.Status.OVERDUE})


def platform_zone() -> ZoneInfo:
    return ZoneInfo(settings.PLATFORM_TIME_ZONE)


def platform_today() -> date:
    """Today where the platform's owner is (PLATFORM_TIME_ZONE): months turn there."""
    return timezone.localtime(timezone.now(), platform_zone()).date()


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment, platform_zone()).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month(today: date) -> date:
    """The first day of the month before `today`'s: the month the beat bills."""
    return month_start(month_start(today) - timedelta(days=1))


def prorate(price: Decimal, days: int, of_days: int) -> Decimal:
    return (Decimal(price) * days / of_days).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Line:
    plan: Plan
    price_monthly: Decimal  # the price in force then (the period's), not today's
    currency: str
    days: int
    of_days: int
    amount: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan.code,
            "plan_name": self.plan.name,
            "days": self.days,
            "of_days": self.of_days,
            "price_monthly": str(self.price_monthly),
            "currency": self.currency,
            "amount": str(self.amount),
        }


def billing_lines(
    *,
    periods: Iterable[TenantPlanPeriod],
    first_day: date,
    last_day: date,
    of_days: int,
) -> list[Line]:
    """The lines for the days first_day..last_day (inclusive) of a month of `of_days` days:
    one per run of consecutive days on one plan at one price (the periods' own prices, so
    a price edited since is not applied to days before the edit)."""
    ordered = sorted(periods, key=lambda p: (p.starts_on, p.created_at or timezone.now()))
    lines: list[Line] = []
    day = first_day
    run: TenantPlanPeriod | None = None
    run_days = 0

    def same_terms(a: TenantPlanPeriod | None, b: TenantPlanPeriod | None) -> bool:
        return (
            a is not None
            and b is not None
            and (a.plan_id, a.price_monthly, a.currency) == (b.plan_id, b.price_monthly, b.currency)
        )

    def close() -> None:
        if run is not None and run_days:
            amount = prorate(run.price_monthly, run_days, of_days)
            lines.append(Line(run.plan, run.price_monthly, run.currency, run_days, of_days, amount))

    while day <= last_day:
        in_force = [p for p in ordered if p.starts_on <= day]
        period = in_force[-1] if in_force else None
        if not same_terms(period, run):
            close()
            run, run_days = period, 0
        if period is not None:
            run_days += 1
        day += timedelta(days=1)
    close()
    return lines


def _deletion_days(tenants: list[Tenant]) -> dict[uuid.UUID, date]:
    deleted = [t for t in tenants if t.status == Tenant.Status.DELETED]
    if not deleted:
        return {}
    audited = dict(
        TenantAuditLog.objects.filter(tenant__in=deleted, action="tenant.deleted")
        .values("tenant_id")
        .annotate(at=Max("created_at"))
        .values_list("tenant_id", "at")
    )
    return {t.pk: local_date(audited.get(t.pk) or t.updated_at) for t in deleted}


@dataclass(frozen=True, slots=True)
class GeneratedMonth:
    month: date
    made: int
    existing: int


def _check_month(month: date, today: date) -> date:
    first = month_start(month)
    if month_end(first) >= today:
        raise ValidationError(
            {
                "month": [
                    _("%(month)s has not ended yet: it can be billed from %(day)s.")
                    % {
                        "month": first.strftime("%Y-%m"),
                        "day": (month_end(first) + timedelta(days=1)).isoformat(),
                    }
                ]
            }
        )
    return first


def billing_generate_month(
    *, month: date, actor: str = "system", today: date | None = None
) -> GeneratedMonth:
    """The month's records for every tenant billable in it that has none yet.

    Refuses a month that has not ended (arrears). Audited as `billing.generated` (no
    tenant: a platform-wide row with the month and the counts) when it made a record or
    when an admin asked (a page request); the hourly beat finding nothing to do is not.
    """
    today = today or platform_today()
    first = _check_month(month, today)
    last = month_end(first)
    tenants = list(
        Tenant.objects.filter(
            status__in=[Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED, Tenant.Status.DELETED],
            created_at__lt=datetime.combine(last + timedelta(days=1), datetime.min.time()).replace(
                tzinfo=platform_zone()
            ),
        ).order_by("slug")
    )
    deletions = _deletion_days(tenants)
    periods: dict[uuid.UUID, list[TenantPlanPeriod]] = {}
    for period in TenantPlanPeriod.objects.filter(
        tenant__in=tenants, starts_on__lte=last
    ).select_related("plan"):
        periods.setdefault(period.tenant_id, []).append(period)
    with transaction.atomic(using="default"):
        already = set(
            BillingRecord.objects.filter(period_start=first, tenant__isnull=False).values_list(
                "tenant_id", flat=True
            )
        )
        # Due DUE_DAYS after the record is made (the 15th for the beat's run on the 1st):
        # counted from the period's start, a record made in arrears would be overdue
        # before anyone saw it.
        due = today + timedelta(days=settings.PLATFORM_BILLING_DUE_DAYS)
        new: list[BillingRecord] = []
        for tenant in tenants:
            if tenant.pk in already:
                continue
            record = _record_for(
                tenant=tenant,
                first=first,
                periods=periods.get(tenant.pk, []),
                deletion_day=deletions.get(tenant.pk),
                due=due,
            )
            if record is not None:
                new.append(record)
        # ON CONFLICT DO NOTHING: a concurrent run's rows win, ours for those tenants are
        # dropped; which of ours went in is counted by the ids we gave them.
        BillingRecord.objects.bulk_create(new, ignore_conflicts=True)
        made = BillingRecord.objects.filter(id__in=[r.id for r in new]).count()
        existing = BillingRecord.objects.filter(period_start=first, tenant__isnull=False).count()
        result = GeneratedMonth(month=first, made=made, existing=existing - made)
        if made or current_origin() is not None:
            audit_record(
                action="billing.generated",
                actor=actor,
                details={
                    "month": first.strftime("%Y-%m"),
                    "count": made,
                    "existing": result.existing,
                },
            )
    return result


def _record_for(
    *,
    tenant: Tenant,
    first: date,
    periods: list[TenantPlanPeriod],
    deletion_day: date | None,
    due: date,
) -> BillingRecord | None:
    """The tenant's record for the month starting `first` (None: nothing to bill): its
    days from creation to the month's end or its deletion day, on the plans in force."""
    last = month_end(first)
    first_day = max(first, local_date(tenant.created_at))
    last_day = min(last, deletion_day or last)
    if not periods or last_day < first_day:
        return None
    lines = billing_lines(periods=periods, first_day=first_day, last_day=last_day, of_days=last.day)
    if not lines:
        return None
    return BillingRecord(
        id=uuid.uuid4(),
        tenant=tenant,
        tenant_slug=tenant.slug,
        plan=lines[-1].plan,
        amount=sum((line.amount for line in lines), Decimal(0)),
        # One currency per tenant: a plan change to another currency and a currency edit
        # of a plan in use are refused (services.plans).
        currency=lines[-1].currency,
        period_start=first,
        period_end=last,
        status=BillingRecord.Status.PENDING,
        due_date=due,
        lines=[line.as_json() for line in lines],
    )


def billing_close_tenant(*, tenant: Tenant, actor: str = "system") -> int:
    """Bill what a deleted tenant still owes before its row and plan history are erased
    (purge): every month from its first plan period to its deletion day that has no record
    yet, the deletion month included although it has not ended (no more days will come).
    Returns how many records were made."""
    if tenant.status != Tenant.Status.DELETED:
        raise ValidationError({"slug": [_("Only a deleted tenant's billing is closed.")]})
    periods = list(
        TenantPlanPeriod.objects.filter(tenant=tenant).select_related("plan").order_by("starts_on")
    )
    if not periods:
        return 0
    deletion_day = _deletion_days([tenant])[tenant.pk]
    due = platform_today() + timedelta(days=settings.PLATFORM_BILLING_DUE_DAYS)
    with transaction.atomic(using="default"):
        billed = set(
            BillingRecord.objects.filter(tenant=tenant).values_list("period_start", flat=True)
        )
        new: list[BillingRecord] = []
        month = month_start(max(periods[0].starts_on, local_date(tenant.created_at)))
        while month <= deletion_day:
            if month not in billed:
                record = _record_for(
                    tenant=tenant, first=month, periods=periods, deletion_day=deletion_day, due=due
                )
                if record is not None:
                    new.append(record)
            month = month_end(month) + timedelta(days=1)
        BillingRecord.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            audit_record(
                action="billing.generated",
                actor=actor,
                tenant=tenant,
                details={"months": [r.period_start.strftime("%Y-%m") for r in new],
                         "count": len(new), "reason": "tenant closed"},
            )  # fmt: skip
    return len(new)


def billing_mark_overdue(*, today: date | None = None, actor: str = "system") -> int:
    """Pending records past their due date become overdue; returns how many (one
    platform-wide audit row `billing.overdue` with the count, when there were any)."""
    today = today or platform_today()
    with transaction.atomic(using="default"):
        count = BillingRecord.objects.filter(
            status=BillingRecord.Status.PENDING, due_date__lt=today
        ).update(status=BillingRecord.Status.OVERDUE, updated_at=timezone.now())
        if count:
            audit_record(action="billing.overdue", actor=actor, details={"count": count})
    return count


def _locked(record_id: uuid.UUID | str) -> BillingRecord:
    try:
        return (
            BillingRecord.objects.select_for_update(of=("self",))
            .select_related("tenant", "plan")
            .get(pk=record_id)
        )
    except (BillingRecord.DoesNotExist, ValidationError, ValueError) as exc:
        raise ValidationError({"record": [_("There is no such billing record.")]}) from exc


def _describe(record: BillingRecord) -> dict[str, Any]:
    return {
        "record": str(record.pk),
        "tenant": record.tenant_slug,
        "month": record.period_start.strftime("%Y-%m"),
        "amount": str(record.amount),
        "currency": record.currency,
    }


def billing_record_mark_paid(*, record_id: uuid.UUID | str, actor: str = "system") -> BillingRecord:
    """A pending or overdue record becomes paid (now); paid and void ones are refused."""
    with transaction.atomic(using="default"):
        record = _locked(record_id)
        if record.status == BillingRecord.Status.VOID:
            raise ValidationError(
                {"record": [_("A void record cannot be marked paid.")]}, code="void"
            )
        if record.status == BillingRecord.Status.PAID:
            raise ValidationError({"record": [_("This record is already paid.")]}, code="paid")
        previous = record.status
        record.status = BillingRecord.Status.PAID
        record.paid_at = timezone.now()
        record.save(update_fields=["status", "paid_at", "updated_at"])
        audit_record(
            action="billing.paid",
            actor=actor,
            tenant=record.tenant,
            details={"previous": previous, **_describe(record)},
        )
    return record


def billing_record_void(
    *, record_id: uuid.UUID | str, reason: str, actor: str = "system"
) -> BillingRecord:
    """A pending or overdue record is cancelled, with a reason; a paid one is refused (a
    refund is not a void), a void one too."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the record is void.")]})
    with transaction.atomic(using="default"):
        record = _locked(record_id)
        if record.status not in OPEN_STATUSES:
            message = (
                _("A paid record cannot be voided.")
                if record.status == BillingRecord.Status.PAID
                else _("This record is already void.")
            )
            raise ValidationError({"record": [message]}, code=record.status)
        previous = record.status
        record.status = BillingRecord.Status.VOID
        record.save(update_fields=["status", "updated_at"])
        audit_record(
            action="billing.voided",
            actor=actor,
            tenant=record.tenant,
            details={"previous": previous, "reason": reason, **_describe(record)},
        )
    return record
