"""A platform admin in Chromium moves a tenant to a plan below its usage and is refused
with the numbers; the plans list, a plan's edit form, the refusal and the module registry
at 1366 and 360 px wide (var/screenshots/platform-plans-*.png)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from dockpulse.tenancy import tenant_context
from platform_app.models import Plan, Tenant, TenantAuditLog
from platform_app.services.plans import PlanValues, plan_create
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tests.e2e.platform import new_admin, sign_in
from tests.support import TEST_PASSWORD

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
HOST = "app.localhost"


def url(server: Any, path: str = "/") -> str:
    return f"http://{HOST}:{server.port}{path}"


def shoot(page: Any, name: str) -> None:
    """var/screenshots/platform-<name>-<width>.png at 1366 and 360 px, nothing wider than
    the screen."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.evaluate("window.scrollTo(0, 0)")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (name, width, overflow)
        page.screenshot(path=str(SCREENSHOTS / f"platform-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 800})


@pytest.fixture
def mini_plan(committed: None) -> Iterator[Plan]:
    """A committed plan for one user (requested before make_tenant: removed after it)."""
    code = f"mini-{uuid.uuid4().hex[:6]}"
    plan = plan_create(
        values=PlanValues(
            code=code, name="Mini", price_monthly=Decimal("19.00"),
            price_yearly=Decimal("190.00"), currency="PLN", max_users=1, max_customers=None,
            modules=("@customers", "@products", "@orders"),
        ),
        actor="test",
    )  # fmt: skip
    yield plan
    TenantAuditLog.objects.filter(action__startswith="plan.", details__plan=code).delete()
    Plan.objects.filter(pk=plan.pk).delete()


@pytest.fixture
def admin(admins: list[str]) -> tuple[str, TOTPDevice]:
    email, device = new_admin(admins, device=True)
    assert device is not None
    return email, device


def test_a_plan_below_the_tenants_usage_is_refused_with_the_numbers(
    mini_plan: Plan,
    make_tenant: Callable[..., Any],
    admin: tuple[str, TOTPDevice],
    http_server: Any,
    browser: Any,
) -> None:
    from tests.e2e.conftest import PageProblems

    tenant = make_tenant(plan_code="business")
    with tenant_context(tenant.slug):
        user_create(email="second@example.com", name="Second", password=TEST_PASSWORD,
                    role=Role.EMPLOYEE)  # fmt: skip
    email, device = admin
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = PageProblems(page)
    try:
        sign_in(page, http_server, email, device, "/plans/")
        assert page.get_by_role("heading", name="Plans", exact=True).is_visible()
        mini = page.get_by_role("row", name=re.compile(r"^Mini"))
        assert "unlimited" in mini.inner_text()
        assert "PLN\xa019.00" in mini.inner_text() or "PLN 19.00" in mini.inner_text()
        shoot(page, "plans")

        mini.get_by_role("link", name=re.compile("Edit")).click()
        page.wait_for_url(url(http_server, f"/plans/{mini_plan.code}/edit/"))
        assert page.get_by_label("Max users").input_value() == "1"
        assert page.get_by_label("Stock (@stock)").is_checked() is False
        assert page.get_by_label("Orders (@orders)").is_checked()
        shoot(page, "plan-edit")

        page.goto(url(http_server, f"/tenants/{tenant.slug}/plan/"))
        page.get_by_label("New plan").select_option(value=mini_plan.code)
        problems.expect(400)
        page.get_by_role("button", name="Change plan").click()
        alert = page.locator("#tenant-plan-errors")
        alert.wait_for()
        assert f"Fresh {tenant.slug} has 2 active users; Mini allows 1." in alert.inner_text()
        assert Tenant.objects.get(slug=tenant.slug).plan.code == "business"  # type: ignore[union-attr]
        shoot(page, "tenant-plan-refused")

        page.goto(url(http_server, "/modules/"))
        assert page.get_by_role("heading", name="Module registry").is_visible()
        ai = page.get_by_role("row", name=re.compile(r"^AI assistant"))
        assert "Enterprise" in ai.inner_text() and "Business" not in ai.inner_text()
        shoot(page, "modules")
        problems.check()
    finally:
        context.close()
