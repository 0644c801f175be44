"""The tenants list and a tenant's page in a real browser, at 360 and 1366 px wide:
gathered figures shown, the filters, the detail page and its "Refresh figures"."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django_otp.oath import totp

from dockpulse.tenancy import platform_context
from platform_app.models import Tenant, TenantUsage
from platform_app.services.usage import tenant_usage_gather
from tests.e2e.platform import (
    new_admin,
    shoot,
    sign_in_with_password,
    url,
    watch,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def gathered(committed: None) -> Iterator[None]:
    """tenant-a's figures, committed (the browser's server is another process)."""
    with platform_context():
        had = TenantUsage.objects.filter(tenant__slug="tenant-a").exists()
        tenant_usage_gather(tenant=Tenant.objects.get(slug="tenant-a"))
    yield
    if not had:
        with platform_context():
            TenantUsage.objects.filter(tenant__slug__in=["tenant-a"]).delete()


@pytest.mark.parametrize("width", [360, 1366])
def test_tenants_list_and_detail(admins, gathered, http_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = watch(page)
    try:
        email, device = new_admin(admins, device=True)
        assert device is not None
        sign_in_with_password(page, http_server, email)
        page.wait_for_url(re.compile(r"/login/code/"))
        page.get_by_label("Code").fill(f"{totp(device.bin_key, device.step, device.t0):06d}")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(url(http_server, "/"))

        assert page.get_by_role("heading", name="Tenants", exact=True).is_visible()
        row = page.locator("table.tenants-table tbody tr", has_text="tenant-a")
        assert row.locator("td[data-label=Customers]").inner_text().strip().isdigit()
        assert int(row.locator("td[data-label=Users]").inner_text().strip()) >= 1
        assert "MB" in row.locator("td[data-label='Database size']").inner_text()
        assert "ago" in row.locator("td[data-label=Figures]").inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        shoot(page, "tenants-list")

        # The filters submit themselves on change (and with the button without JS).
        page.get_by_label("Search").fill("tenant-b")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url(re.compile(r"q=tenant-b"))
        assert page.locator("table.tenants-table tbody tr").count() == 1
        page.get_by_role("link", name="Clear filters").click()
        page.wait_for_url(url(http_server, "/"))

        page.get_by_role("link", name="tenant-a", exact=True).click()
        page.wait_for_url(url(http_server, "/tenants/tenant-a/"))
        assert page.get_by_role("heading", name="Usage").is_visible()
        assert page.get_by_role("heading", name="Recent audit entries").is_visible()
        page.get_by_role("button", name="Refresh figures").click()
        page.wait_for_url(url(http_server, "/tenants/tenant-a/"))
        assert page.get_by_text("The figures are up to date.").is_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        shoot(page, "tenant-detail")
        problems.check()
    finally:
        context.close()
