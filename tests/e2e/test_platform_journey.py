"""The platform owner's day in Chromium (issue 16's must-show, in one go): sign in with
password + TOTP, where nothing but the sign-in pages answers before the code; create a
tenant from the form; open its panel as its admin (the banner, audit rows on both sides);
suspend it (its host shows the suspended page) and resume it; try a plan below its usage
(refused with the numbers). Billing's generate-twice / mark-paid run is
tests/e2e/test_platform_billing.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from platform_app.models import Plan, Tenant, TenantAuditLog
from platform_app.services.plans import PlanValues, plan_create
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tests.e2e.pages import screenshot
from tests.e2e.platform import new_admin, sign_in
from tests.e2e.platform import url as platform_url
from tests.support import TEST_PASSWORD, destroy_tenant

pytestmark = pytest.mark.e2e


@pytest.fixture
def owner(admins: list[str]) -> tuple[str, TOTPDevice]:
    email, device = new_admin(admins, device=True)
    assert device is not None
    return email, device


@pytest.fixture
def solo_plan(committed: None) -> Iterator[Plan]:
    code = f"solo-{uuid.uuid4().hex[:6]}"
    plan = plan_create(
        values=PlanValues(
            code=code, name="Solo", price_monthly=Decimal("29.00"),
            price_yearly=Decimal("290.00"), currency="PLN", max_users=1, max_customers=None,
            modules=("@customers", "@products", "@orders"),
        ),
        actor="test",
    )  # fmt: skip
    yield plan
    TenantAuditLog.objects.filter(action__startswith="plan.", details__plan=code).delete()
    Tenant.objects.filter(plan=plan).update(plan=None)
    plan.tenant_periods.all().delete()
    plan.delete()


def test_the_platform_owners_day(owner, solo_plan, http_server, browser):
    from tests.e2e.conftest import PageProblems

    email, device = owner
    slug = f"day-{uuid.uuid4().hex[:6]}"
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = PageProblems(page)
    try:
        # Without the second factor, every page sends back to a sign-in step.
        page.goto(platform_url(http_server, "/billing/"))
        assert "/login/" in page.url
        sign_in(page, http_server, email, device)

        # Create a tenant from the form.
        page.goto(platform_url(http_server, "/tenants/new/"))
        page.get_by_label("Company name").fill("Day Shop")
        # As a person would: the address is checked (300 ms after typing) before the form is
        # sent; sending it meanwhile would abort the check's request.
        with page.expect_response(lambda response: "/check-slug/" in response.url):
            page.get_by_label("Address", exact=True).fill(slug)
        page.get_by_label("Business template").select_option(label="Trade")
        page.get_by_label("Plan").select_option("business")
        page.get_by_label("First admin's e-mail").fill(f"boss@{slug}.example.com")
        page.get_by_label("First admin's name").fill("Bea Boss")
        page.get_by_label("Tenant's language").select_option("en")
        page.get_by_role("button", name="Create tenant").click()
        page.wait_for_url(platform_url(http_server, f"/tenants/{slug}/"), timeout=60_000)
        assert f"Tenant {slug} created" in page.locator(".messages").inner_text()

        # Open its panel as its admin: the banner, then End.
        section = page.locator("section.impersonate")
        section.get_by_label("Reason").fill("Onboarding call")
        section.get_by_role("button", name="Open panel as admin").click()
        page.wait_for_url(f"http://{slug}.localhost:{http_server.port}/")
        banner = page.locator("#impersonation-banner")
        assert "You are signed in as Bea Boss (Administrator)" in banner.inner_text()
        assert f"by platform admin {email}" in banner.inner_text()
        screenshot(page, "platform-journey-impersonated")
        banner.get_by_role("button", name="End").click()
        page.wait_for_url(platform_url(http_server, f"/tenants/{slug}/"))
        actions = set(
            TenantAuditLog.objects.filter(tenant_slug=slug, admin_email=email).values_list(
                "action", flat=True
            )
        )
        assert {"tenant.created", "tenant.impersonation_started",
                "tenant.impersonation_ended"} <= actions  # fmt: skip
        with tenant_context(slug):
            assert EventLog.objects.filter(
                event_type="staff.impersonated", payload__platform_admin=email
            ).exists()

        # Suspend: its host answers "account suspended"; resume: it signs in again.
        ops = page.locator("section.tenant-ops")
        ops.get_by_label("Reason").fill("Unpaid invoice")
        ops.get_by_role("button", name="Suspend").click()
        page.wait_for_url(platform_url(http_server, f"/tenants/{slug}/"))
        problems.expect(403)
        tenant_login = f"http://{slug}.localhost:{http_server.port}/login/"
        response = page.goto(tenant_login)
        assert response is not None and response.status == 403
        assert page.get_by_role("heading", name="Account suspended").is_visible()
        page.goto(platform_url(http_server, f"/tenants/{slug}/"))
        page.locator("section.tenant-ops").get_by_role("button", name="Resume").click()
        page.wait_for_url(platform_url(http_server, f"/tenants/{slug}/"))
        response = page.goto(tenant_login)
        assert response is not None and response.status == 200

        # A plan below its usage (two active users; Solo allows one) is refused in numbers.
        with tenant_context(slug):
            user_create(email=f"clerk@{slug}.example.com", name="Clerk",
                        password=TEST_PASSWORD, role=Role.EMPLOYEE)  # fmt: skip
        page.goto(platform_url(http_server, f"/tenants/{slug}/plan/"))
        page.get_by_label("New plan").select_option(value=solo_plan.code)
        problems.expect(400)
        page.get_by_role("button", name="Change plan").click()
        alert = page.locator("#tenant-plan-errors")
        alert.wait_for()
        assert "Day Shop has 2 active users; Solo allows 1." in alert.inner_text()
        assert Tenant.objects.get(slug=slug).plan.code == "business"  # type: ignore[union-attr]
        problems.check()
    finally:
        context.close()
        destroy_tenant(slug)
