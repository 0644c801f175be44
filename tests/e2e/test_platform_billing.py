"""Billing in a real browser (issue 16, "Must show"): generate last month's billing twice
(one record), mark it paid, see the collected figure change; at 1366 and 360 px wide."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils.formats import date_format

from dockpulse.tenancy import platform_context
from platform_app.models import BillingRecord, Plan, Tenant, TenantAuditLog
from platform_app.services.billing import platform_today, previous_month
from platform_app.services.plan_periods import plan_period_start
from tests.e2e.platform import (
    new_admin,
    shoot,
    sign_in_with_password,
    url,
    watch,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def billed_tenant(committed: None) -> Iterator[Tenant]:
    """A committed plan and tenant row, on the plan since long before last month; removed
    after with its records and audit rows."""
    with platform_context():
        code = f"e2e-{uuid.uuid4().hex[:8]}"
        plan = Plan.objects.create(
            code=code,
            name="E2E plan",
            price_monthly=Decimal("321.00"),
            price_yearly=Decimal("3210.00"),
        )
        slug = f"bill-{uuid.uuid4().hex[:10]}"
        tenant = Tenant.objects.create(
            slug=slug,
            name="Billing browser test",
            template="trade",
            status=Tenant.Status.ACTIVE,
            db_name=f"fake_{slug.replace('-', '_')}",
            plan=plan,
        )
        Tenant.objects.filter(pk=tenant.pk).update(created_at=datetime(2025, 1, 1, tzinfo=UTC))
        plan_period_start(tenant=tenant, plan=plan, starts_on=date(2025, 1, 1))
    yield tenant
    with platform_context():
        BillingRecord.objects.filter(plan=plan).delete()
        TenantAuditLog.objects.filter(tenant=tenant).delete()
        month = previous_month(platform_today()).strftime("%Y-%m")
        TenantAuditLog.objects.filter(action="billing.generated", details__month=month).delete()
        tenant.delete()
        plan.delete()


def collected(page: Any) -> str:
    return str(page.locator("#kpi-collected").inner_text())


@pytest.mark.parametrize("width", [1366, 360])
def test_generate_twice_mark_paid_and_the_figure_changes(
    admins: list[str], billed_tenant: Tenant, http_server: Any, browser: Any, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = watch(page)
    month = date_format(previous_month(platform_today()), "YEAR_MONTH_FORMAT")
    try:
        email, device = new_admin(admins, device=True)
        assert device is not None
        sign_in_with_password(page, http_server, email)
        page.wait_for_url(re.compile(r"/login/code/"))
        from django_otp.oath import totp

        page.get_by_label("Code").fill(
            f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
        )
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(url(http_server, "/"))

        page.goto(url(http_server, "/billing/"))
        assert page.get_by_role("heading", name="Billing", exact=True).is_visible()
        before = collected(page)
        generate = page.get_by_role("button", name=f"Generate billing for {month}")
        generate.click()
        page.wait_for_load_state()
        status = page.get_by_role("status")
        assert re.search(r"1 record made, \d+ already existed", status.inner_text())
        page.get_by_role("button", name=f"Generate billing for {month}").click()
        page.wait_for_load_state()
        assert "0 records made" in page.get_by_role("status").inner_text()

        page.get_by_role("textbox", name="Tenant").fill(billed_tenant.slug)
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url(re.compile(rf"tenant={billed_tenant.slug}"))
        rows = page.locator("table.records-table tbody tr")
        assert rows.count() == 1  # generated twice, one record
        assert "PLN\xa0321.00" in rows.first.inner_text()
        assert "Pending" in rows.first.inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        shoot(page, "billing")

        rows.first.get_by_role("button", name="Mark paid").click()
        page.wait_for_load_state()
        assert (
            f"{billed_tenant.slug}, {month}: marked paid."
            in page.get_by_role("status").inner_text()
        )
        assert "tenant=" in page.url  # back on the filtered list
        assert "Paid" in page.locator("table.records-table tbody tr").first.inner_text()
        after = collected(page)
        assert after != before, (before, after)
        shoot(page, "billing-paid")
        with platform_context():
            assert BillingRecord.objects.filter(tenant=billed_tenant).count() == 1
        problems.check()
    finally:
        context.close()
