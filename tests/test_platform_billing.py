"""Billing (issue 16): one record per tenant per month however often the run is repeated,
prorated by days across a plan change, overdue after the due date, mark paid and void,
the 12-month figures, the CSV export, and no way in for a tenant's staff (docs/platform.md)."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import Client
from django.utils import timezone

from dockpulse import csvio
from dockpulse.tenancy import platform_context
from platform_app.models import BillingRecord, Plan, Tenant, TenantAuditLog
from platform_app.selectors_billing import billing_metrics
from platform_app.services.billing import (
    billing_generate_month,
    billing_mark_overdue,
    billing_record_mark_paid,
    billing_record_void,
    platform_today,
)
from platform_app.services.plan_periods import plan_period_start
from platform_app.tasks import billing as billing_tasks
from tests.platform_support import HOST, platform_admin_client
from tests.support import TENANT_A_ADMIN, TENANT_A_HOST, TEST_PASSWORD, tokens

# Every test but the concurrent one runs in a rolled-back transaction; that one commits (its
# threads have their own connections) and cleans up after itself: no flush of the shared data.
DB = pytest.mark.django_db(databases="__all__")

JUNE = date(2025, 6, 1)  # 30 days, long ended: no shared tenant existed then


def make_plan(price: str, code: str | None = None) -> Plan:
    code = code or f"bill-{uuid.uuid4().hex[:8]}"
    return Plan.objects.create(
        code=code, name=f"Plan {code}", price_monthly=Decimal(price), price_yearly=Decimal(0)
    )


def make_tenant(
    *periods: tuple[Plan, date], created: datetime | None = None, status: str = "active"
) -> Tenant:
    """A tenant row only (no database: billing needs none), created at `created`."""
    slug = f"bill-{uuid.uuid4().hex[:10]}"
    tenant = Tenant.objects.create(
        slug=slug,
        name=f"Billing {slug}",
        template="trade",
        status=status,
        db_name=f"fake_{slug.replace('-', '_')}",
        plan=periods[-1][0] if periods else None,
    )
    Tenant.objects.filter(pk=tenant.pk).update(
        created_at=created or datetime(2025, 1, 1, 12, tzinfo=UTC)
    )
    for plan, starts_on in periods:
        plan_period_start(tenant=tenant, plan=plan, starts_on=starts_on)
    tenant.refresh_from_db()
    return tenant


def records_of(tenant: Tenant) -> list[BillingRecord]:
    return list(BillingRecord.objects.filter(tenant=tenant))


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def kpi(page: str, name: str) -> str:
    match = re.search(rf'id="kpi-{name}">([^<]*)<', page)
    assert match, page
    return match.group(1)


# --- the service ------------------------------------------------------------------------


@DB
def test_a_plan_change_on_the_11th_bills_10_days_of_one_plan_and_20_of_the_other():
    a, b = make_plan("99.99"), make_plan("149.99")
    tenant = make_tenant((a, date(2025, 5, 1)), (b, date(2025, 6, 11)))

    result = billing_generate_month(month=date(2025, 6, 17), today=date(2025, 7, 1))

    assert result.month == JUNE and result.made == 1
    (record,) = records_of(tenant)
    assert [
        (line["plan"], line["days"], line["of_days"], line["amount"]) for line in record.lines
    ] == [
        (a.code, 10, 30, "33.33"),  # 99.99 x 10 / 30 = 33.33
        (b.code, 20, 30, "99.99"),  # 149.99 x 20 / 30 = 99.9933...
    ]
    assert record.amount == Decimal("133.32")
    assert record.plan == b  # the plan in force at the month's end
    assert (record.period_start, record.period_end) == (JUNE, date(2025, 6, 30))
    assert record.status == BillingRecord.Status.PENDING
    # PLATFORM_BILLING_DUE_DAYS after the day it was made (in arrears, on the 1st).
    assert record.due_date == date(2025, 7, 15)
    entry = TenantAuditLog.objects.filter(action="billing.generated").latest("created_at")
    assert entry.tenant is None and entry.details["month"] == "2025-06"
    assert entry.details["count"] == 1


@DB
def test_days_before_creation_and_after_deletion_are_not_billed():
    plan = make_plan("300.00")
    joined = make_tenant((plan, date(2025, 6, 21)), created=datetime(2025, 6, 21, 8, tzinfo=UTC))
    left = make_tenant((plan, date(2025, 1, 1)), status="deleted")
    TenantAuditLog.objects.create(
        tenant=left, tenant_slug=left.slug, action="tenant.deleted", actor="test"
    )
    TenantAuditLog.objects.filter(tenant=left).update(
        created_at=datetime(2025, 6, 5, 9, tzinfo=UTC)
    )
    gone_before = make_tenant((plan, date(2025, 1, 1)), status="deleted")
    Tenant.objects.filter(pk=gone_before.pk).update(updated_at=datetime(2025, 5, 2, tzinfo=UTC))

    billing_generate_month(month=JUNE)

    assert [r.amount for r in records_of(joined)] == [Decimal("100.00")]  # 10 of 30 days
    assert [r.lines[0]["days"] for r in records_of(left)] == [5]  # 1-5 June, the 5th included
    assert records_of(gone_before) == []


@DB
def test_generating_a_month_twice_makes_one_record():
    tenant = make_tenant((make_plan("120.00"), date(2025, 1, 1)))

    first = billing_generate_month(month=JUNE)
    second = billing_generate_month(month=JUNE)

    assert first.made == 1 and second.made == 0 and second.existing >= 1
    assert len(records_of(tenant)) == 1


@DB
def test_a_month_that_has_not_ended_is_refused():
    with pytest.raises(ValidationError) as caught:
        billing_generate_month(month=platform_today())
    assert "has not ended yet" in " ".join(caught.value.messages)


@pytest.fixture
def committed_tenant(committed: None) -> Iterator[Tenant]:
    """A committed plan and tenant row (the threads use their own connections)."""
    plan = make_plan("200.00")
    tenant = make_tenant((plan, date(2025, 1, 1)))
    yield tenant
    BillingRecord.objects.filter(plan=plan).delete()
    TenantAuditLog.objects.filter(tenant=tenant).delete()
    TenantAuditLog.objects.filter(action="billing.generated", details__month="2025-06").delete()
    tenant.delete()
    plan.delete()


def test_two_runs_at_the_same_time_make_one_record(committed_tenant: Tenant):
    start = threading.Barrier(2)
    made: list[int] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with platform_context():
                start.wait()
                made.append(billing_generate_month(month=JUNE).made)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert failures == []
    assert sorted(made) == [0, 1]
    assert len(records_of(committed_tenant)) == 1


@DB
def test_the_beat_task_bills_the_month_that_ended_once(monkeypatch: pytest.MonkeyPatch):
    tenant = make_tenant((make_plan("90.00"), date(2025, 1, 1)))
    monkeypatch.setattr(billing_tasks, "platform_today", lambda: date(2025, 7, 1))

    first = billing_tasks.billing_generate()
    again = billing_tasks.billing_generate()

    assert first["month"] == "2025-06" and first["made"] == 1
    assert again["made"] == 0
    (record,) = records_of(tenant)
    assert record.amount == Decimal("90.00")


@DB
def test_pending_turns_overdue_after_the_due_date():
    tenant = make_tenant((make_plan("50.00"), date(2025, 1, 1)))
    billing_generate_month(month=JUNE, today=date(2025, 7, 1))
    (record,) = records_of(tenant)
    assert record.due_date == date(2025, 7, 15)

    billing_mark_overdue(today=date(2025, 7, 15))  # the due date itself: still pending
    record.refresh_from_db()
    assert record.status == BillingRecord.Status.PENDING

    assert billing_mark_overdue(today=date(2025, 7, 16)) >= 1
    record.refresh_from_db()
    assert record.status == BillingRecord.Status.OVERDUE
    # Overdue can still be paid.
    assert billing_record_mark_paid(record_id=record.pk).status == BillingRecord.Status.PAID


@DB
def test_a_void_record_cannot_be_paid_and_a_paid_one_cannot_be_voided():
    tenant = make_tenant((make_plan("10.00"), date(2025, 1, 1)))
    other = make_tenant((make_plan("10.00"), date(2025, 1, 1)))
    billing_generate_month(month=JUNE)
    (record,) = records_of(tenant)
    (paid,) = records_of(other)

    with pytest.raises(ValidationError) as no_reason:
        billing_record_void(record_id=record.pk, reason="  ")
    assert "Say why" in " ".join(no_reason.value.messages)

    billing_record_void(record_id=record.pk, reason="Free month")
    with pytest.raises(ValidationError) as caught:
        billing_record_mark_paid(record_id=record.pk)
    assert "A void record cannot be marked paid." in caught.value.messages

    billing_record_mark_paid(record_id=paid.pk)
    with pytest.raises(ValidationError) as caught:
        billing_record_void(record_id=paid.pk, reason="oops")
    assert "A paid record cannot be voided." in caught.value.messages
    voided = TenantAuditLog.objects.get(tenant=tenant, action="billing.voided")
    assert voided.details["reason"] == "Free month" and voided.details["amount"] == "10.00"


@DB
def test_mrr_counts_active_tenants_plans_and_churn_counts_those_who_stopped():
    today = platform_today()
    plan = make_plan("1000.00")
    before = billing_metrics(today=today).months[-1]
    staying = make_tenant((plan, date(2020, 1, 1)))
    stopping = make_tenant((plan, date(2020, 1, 1)))
    TenantAuditLog.objects.create(
        tenant=stopping, tenant_slug=stopping.slug, action="tenant.suspended", actor="test"
    )
    Tenant.objects.filter(pk=stopping.pk).update(status="suspended")

    now = billing_metrics(today=today).months[-1]

    assert now.mrr - before.mrr == Decimal("1000.00")  # the suspended one is not in it
    assert now.arr == now.mrr * 12
    assert now.tenants_by_plan[plan.code] == 1
    assert now.churned - before.churned == 1
    assert staying.pk  # (kept for the count above)


# --- the page -----------------------------------------------------------------------------


@DB
def test_generate_twice_from_the_page_then_mark_paid_changes_the_collected_figure():
    client = platform_admin_client(f"ops-{uuid.uuid4().hex[:8]}@platform.example.com")
    tenant = make_tenant((make_plan("250.00"), date(2025, 1, 1)))

    first = client.post("/billing/generate/", {"month": "2025-06"}, follow=True)
    assert "Billing for June 2025: 1 record made, 0 already existed." in text(first)
    second = client.post("/billing/generate/", {"month": "2025-06"}, follow=True)
    assert "0 records made, 1 already existed." in text(second)
    (record,) = records_of(tenant)

    page = text(client.get("/billing/", {"month": "2025-06"}))
    assert tenant.slug in page and "PLN\xa0250.00" in page
    collected_before = kpi(page, "collected")

    done = client.post(
        f"/billing/{record.pk}/paid/", {"next": "/billing/?month=2025-06"}, follow=True
    )
    assert f"{tenant.slug}, June 2025: marked paid." in text(done)
    assert done.redirect_chain[-1][0] == "/billing/?month=2025-06"
    collected_after = kpi(text(done), "collected")
    assert collected_after != collected_before
    record.refresh_from_db()
    assert record.status == BillingRecord.Status.PAID and record.paid_at is not None
    entry = TenantAuditLog.objects.get(tenant=tenant, action="billing.paid")
    assert entry.admin_email.startswith("ops-") and entry.details["amount"] == "250.00"

    # Paying it again is refused in words.
    again = client.post(f"/billing/{record.pk}/paid/", follow=True)
    assert "This record is already paid." in text(again)


@DB
def test_the_page_refuses_a_month_not_ended_on_the_field_and_voids_with_a_reason():
    client = platform_admin_client(f"ops-{uuid.uuid4().hex[:8]}@platform.example.com")
    this_month = platform_today().strftime("%Y-%m")
    refused = client.post("/billing/generate/", {"month": this_month})
    assert refused.status_code == 400 and "has not ended yet" in text(refused)
    assert client.post("/billing/generate/", {"month": "June"}).status_code == 400

    tenant = make_tenant((make_plan("70.00"), date(2025, 1, 1)))
    billing_generate_month(month=JUNE)
    (record,) = records_of(tenant)
    nothing = client.post(f"/billing/{record.pk}/void/", {"reason": ""}, follow=True)
    assert "Say why the record is void." in text(nothing)
    done = client.post(f"/billing/{record.pk}/void/", {"reason": "Goodwill"}, follow=True)
    assert f"{tenant.slug}, June 2025: void." in text(done)
    refused_paid = client.post(f"/billing/{record.pk}/paid/", follow=True)
    assert "A void record cannot be marked paid." in text(refused_paid)
    record.refresh_from_db()
    assert record.status == BillingRecord.Status.VOID
    assert client.post(f"/billing/{uuid.uuid4()}/paid/", follow=True).status_code == 200


@DB
def test_charts_are_inline_svg_with_the_figures_in_a_table_and_polish_money():
    client = platform_admin_client(f"ops-{uuid.uuid4().hex[:8]}@platform.example.com")
    make_tenant((make_plan("1234.50"), date(2020, 1, 1)))
    client.cookies["django_language"] = "pl"
    page = text(client.get("/billing/"))
    assert page.count('<svg class="chart"') == 5
    assert 'id="billing-figures"' in page
    assert " style=" not in page and "<script>" not in page
    assert re.search(r"\d\xa0?\d{3},\d{2}\xa0zł", page), "Polish money (1 234,50 zł)"


@DB
def test_csv_export_has_the_filtered_records():
    client = platform_admin_client(f"ops-{uuid.uuid4().hex[:8]}@platform.example.com")
    a, b = make_plan("99.99"), make_plan("149.99")
    tenant = make_tenant((a, date(2025, 5, 1)), (b, date(2025, 6, 11)))
    other = make_tenant((a, date(2025, 1, 1)))
    billing_generate_month(month=JUNE)

    response = client.get("/billing/export.csv", {"month": "2025-06", "tenant": tenant.slug})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, rows = csvio.read(response.content, {})
    assert header[:8] == [
        "tenant", "month", "period_start", "period_end", "plan", "amount", "currency", "status",
    ]  # fmt: skip
    assert [row.values["tenant"] for row in rows] == [tenant.slug]
    (row,) = rows
    assert row.values["amount"] == "133.32" and row.values["status"] == "pending"
    assert row.values["lines"] == f"{a.code} 10/30 33.33, {b.code} 20/30 99.99"
    assert other.slug not in response.content.decode("utf-8-sig")


@DB
def test_a_tenants_staff_session_and_token_never_reach_billing():
    staff = Client(HTTP_HOST=TENANT_A_HOST)
    assert (
        staff.post("/login/", {"username": TENANT_A_ADMIN, "password": TEST_PASSWORD}).status_code
        == 302
    )
    stolen = Client(HTTP_HOST=HOST)
    stolen.cookies["sessionid"] = staff.cookies["sessionid"].value
    bearer = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {tokens()['access']}")
    for client in (stolen, bearer):
        for path in ("/billing/", "/billing/export.csv"):
            response = client.get(path)
            assert response.status_code == 302 and response["Location"].startswith("/login/")
        response = client.post("/billing/generate/", {"month": "2025-06"})
        assert response.status_code in (302, 403)
    assert not BillingRecord.objects.filter(period_start=JUNE).exists()
    assert timezone.now()  # (a tenant's panel is unaffected: its own tests)


# --- prices, currencies and purges (the plan history keeps what was in force) -----------


@DB
def test_a_price_edit_mid_month_bills_the_days_before_it_at_the_old_price(
    monkeypatch: pytest.MonkeyPatch,
):
    from platform_app.services import plan_periods
    from platform_app.services.plans import PlanValues, plan_update

    plan = make_plan("300.00")
    tenant = make_tenant((plan, date(2025, 5, 1)))
    values = PlanValues(
        code=plan.code, name=plan.name, price_monthly=Decimal("600.00"),
        price_yearly=Decimal(0), currency="PLN", max_users=None, max_customers=None,
        is_active=True, modules=("@customers", "@products", "@orders"),
    )  # fmt: skip
    # The edit starts new periods on the day it is made: here, 21 June.
    monkeypatch.setattr(plan_periods, "platform_today", lambda: date(2025, 6, 21))
    plan_update(plan=plan, values=values, actor="test")

    billing_generate_month(month=JUNE, today=date(2025, 7, 1))

    (record,) = records_of(tenant)
    assert [(line["days"], line["price_monthly"], line["amount"]) for line in record.lines] == [
        (20, "300.00", "200.00"),  # 1-20 June at the price then
        (10, "600.00", "200.00"),  # 21-30 June at the new one
    ]
    assert record.amount == Decimal("400.00")


@DB
def test_a_plan_in_another_currency_and_a_currency_edit_in_use_are_refused():
    from platform_app.services.plans import PlanValues, plan_update, tenant_plan_change

    euro = Plan.objects.create(
        code=f"eur-{uuid.uuid4().hex[:6]}", name="Euro plan", price_monthly=Decimal("50.00"),
        price_yearly=Decimal(0), currency="EUR", max_users=None, max_customers=None,
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        tenant_plan_change(slug="tenant-a", plan_code=euro.code, actor="test")
    assert "EUR" in str(refused.value) and "PLN" in str(refused.value)

    business = Plan.objects.get(code="business")
    values = PlanValues(
        code=business.code, name=business.name, price_monthly=business.price_monthly,
        price_yearly=business.price_yearly, currency="EUR", max_users=business.max_users,
        max_customers=business.max_customers, is_active=True,
        modules=tuple(business.features["modules"]),
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        plan_update(plan=business, values=values, actor="test")
    assert "currency" in refused.value.message_dict
    business.refresh_from_db()
    assert business.currency == "PLN"


@DB
def test_purging_a_deleted_tenant_bills_its_unbilled_days_first():
    from platform_app.services.billing import billing_close_tenant

    plan = make_plan("310.00")
    tenant = make_tenant((plan, date(2025, 5, 1)), status="deleted")
    TenantAuditLog.objects.create(
        tenant=tenant, tenant_slug=tenant.slug, action="tenant.deleted", actor="test"
    )
    TenantAuditLog.objects.filter(tenant=tenant).update(
        created_at=datetime(2025, 6, 10, 10, tzinfo=UTC)
    )
    BillingRecord.objects.create(
        tenant=tenant, tenant_slug=tenant.slug, plan=plan, amount=Decimal("310.00"),
        period_start=date(2025, 5, 1), period_end=date(2025, 5, 31),
    )  # fmt: skip

    assert billing_close_tenant(tenant=tenant, actor="test") == 1
    june = BillingRecord.objects.get(tenant=tenant, period_start=JUNE)
    assert june.lines[0]["days"] == 10 and june.amount == Decimal("103.33")  # 310 x 10/30
    # Closing again makes nothing (the month has its record).
    assert billing_close_tenant(tenant=tenant, actor="test") == 0
