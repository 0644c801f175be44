"""The portal's sign-in in a real browser at a phone's width: login, the forced password
change, logout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from dockpulse.tenancy import tenant_context
from tests import factories as f
from tests.e2e.pages import screenshot, url

pytestmark = pytest.mark.e2e

PASSWORD = "Portal-Pass-2024"


def shot(page: Any, name: str) -> None:
    screenshot(page, f"portal_auth-{name}")


@pytest.mark.parametrize("width", [360, 1366])
def test_first_login_forced_change_and_logout(
    http_server: Any, make_tenant: Callable[..., Any], watched: Any, width: int
) -> None:
    page, _problems = watched
    page.set_viewport_size({"width": width, "height": 740})
    tenant = make_tenant()
    with tenant_context(tenant):
        f.CustomerFactory.create(
            name="Anna Kowalska",
            phone="+48601234567",
            is_portal_active=True,
            portal_password=make_password(PASSWORD),
            portal_first_login=True,
        )
    page.goto(url(http_server, tenant, "/portal/"))
    page.wait_for_url(url(http_server, tenant, "/portal/login/"))
    shot(page, f"login-{width}")
    page.get_by_label("Phone number").fill("601 234 567")
    page.get_by_label("Password").fill("wrong-one")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Wrong phone number or password.").is_visible()
    shot(page, f"login-error-{width}")
    page.get_by_label("Phone number").fill("601 234 567")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url(http_server, tenant, "/portal/password/"))
    shot(page, f"forced-change-{width}")
    page.get_by_label("Password from the SMS").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("Brand-New-Pass-77")
    page.get_by_label("New password again").fill("Brand-New-Pass-77")
    page.get_by_role("button", name="Save the new password").click()
    page.wait_for_url(url(http_server, tenant, "/portal/"))
    assert page.get_by_role("heading", name="Signed in as Anna Kowalska").is_visible()
    shot(page, f"home-{width}")
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(url(http_server, tenant, "/portal/login/"))
    page.wait_for_load_state("networkidle")
    page.goto(url(http_server, tenant, "/portal/reset/"))
    shot(page, f"reset-{width}")
    # The language switch: the same page, in Polish, still the portal's.
    page.get_by_role("button", name="Polski").click()
    page.wait_for_url(url(http_server, tenant, "/portal/reset/"))
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.get_by_role("button", name="English").is_visible()
    shot(page, f"reset-pl-{width}")
