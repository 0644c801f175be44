"""A platform admin opens tenant-a's panel by impersonation in a real browser: the
banner on every page, End back to the platform, audit rows on both sides; at 360 and
1366 px wide."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django_otp.oath import totp

from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from platform_app.models import ImpersonationGrant, TenantAuditLog
from tests.e2e.platform import (
    new_admin,
    shoot,
    sign_in_with_password,
    url,
    watch,
)

pytestmark = pytest.mark.e2e


def tenant_url(server: Any, path: str = "/") -> str:
    return f"http://tenant-a.localhost:{server.port}{path}"


@pytest.fixture
def impersonators(admins: list[str]) -> Iterator[list[str]]:
    """The admins' grants and tenant-a's events about them go with them."""
    yield admins
    ImpersonationGrant.objects.filter(admin_email__in=admins).delete()
    with tenant_context("tenant-a"):
        for email in admins:
            EventLog.objects.filter(
                event_type__startswith="staff.impersonat", payload__platform_admin=email
            ).delete()


@pytest.mark.parametrize("width", [360, 1366])
def test_open_a_tenants_panel_as_its_admin_and_end_it(impersonators, http_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = watch(page)
    try:
        email, device = new_admin(impersonators, device=True)
        assert device is not None
        sign_in_with_password(page, http_server, email)
        page.wait_for_url(re.compile(r"/login/code/"))
        page.get_by_label("Code").fill(f"{totp(device.bin_key, device.step, device.t0):06d}")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(url(http_server, "/"))

        page.goto(url(http_server, "/tenants/tenant-a/"))
        section = page.locator("section.impersonate")
        assert section.get_by_role("heading", name="Open the panel as its admin").is_visible()
        section.get_by_label("Reason").fill("Support ticket 42")
        section.get_by_role("button", name="Open panel as admin").click()
        page.wait_for_url(tenant_url(http_server, "/"))

        banner = page.locator("#impersonation-banner")
        assert banner.is_visible()
        text = banner.inner_text()
        assert f"by platform admin {email} until" in text
        assert "(Administrator)" in text
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        shoot(page, "impersonation")

        page.goto(tenant_url(http_server, "/customers/"))
        assert page.locator("#impersonation-banner").is_visible()

        page.locator("#impersonation-banner").get_by_role("button", name="End").click()
        page.wait_for_url(url(http_server, "/tenants/tenant-a/"))
        # Back on the platform, still signed in there; the tenant's panel is closed.
        assert page.locator("section.impersonate").is_visible()
        page.goto(tenant_url(http_server, "/"))
        assert "/login/" in page.url

        actions = list(
            TenantAuditLog.objects.filter(admin_email=email, tenant_slug="tenant-a")
            .filter(action__startswith="tenant.impersonation_")
            .order_by("created_at", "id")
            .values_list("action", flat=True)
        )
        assert actions == [
            "tenant.impersonation_started",
            "tenant.impersonation_redeemed",
            "tenant.impersonation_ended",
        ]
        with tenant_context("tenant-a"):
            types = set(
                EventLog.objects.filter(payload__platform_admin=email).values_list(
                    "event_type", flat=True
                )
            )
        assert types == {"staff.impersonated", "staff.impersonation_ended"}
        problems.check()
    finally:
        context.close()
