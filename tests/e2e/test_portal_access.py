"""Turning a customer's portal access on and off from their page, in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password

from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer
from tests.e2e.pages import screenshot, url
from tests.support import TEST_PASSWORD, seed, texts_to

pytestmark = pytest.mark.e2e


def log_in(page: Any, server: Any, tenant: Any) -> None:
    page.goto(url(server, tenant, "/login/"))
    page.get_by_label("E-mail").fill("owner@example.com")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url(server, tenant, "/"))


def shoot(page: Any, name: str) -> None:
    screenshot(page, f"portal_access-{name}")


@pytest.fixture
def shop(make_tenant: Callable[..., Any]) -> tuple[Any, Customer]:
    tenant = make_tenant()
    return tenant, seed(tenant)["customer"]


def test_turn_access_on_after_confirming_then_off(http_server, shop, watched):
    tenant, customer = shop
    page, _problems = watched
    asked: list[str] = []

    def confirm(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    log_in(page, http_server, tenant)
    page.goto(url(http_server, tenant, f"/customers/{customer.pk}/"))
    shoot(page, "off-1366")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on portal access").click()
    page.wait_for_load_state("networkidle")
    assert asked and customer.phone in asked[0]
    assert page.get_by_text("the password was sent by SMS").is_visible()
    assert page.get_by_role("button", name="Send a new password").is_visible()
    with tenant_context(tenant):
        granted = Customer.objects.get(pk=customer.pk)
    assert granted.is_portal_active
    # The customer's SMS (the server's file backend) holds the password the hash verifies.
    [text] = [sms for sms in texts_to(customer.phone) if tenant.name in sms]
    assert any(check_password(word, granted.portal_password) for word in text.split())
    shoot(page, "on-1366")

    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "on-360")

    page.set_viewport_size({"width": 1366, "height": 900})
    with page.expect_navigation():
        page.get_by_role("button", name="Turn off portal access").click()
    assert page.get_by_text("is off; their portal sessions have ended").is_visible()
    page.wait_for_load_state("networkidle")
    with tenant_context(tenant):
        row = Customer.objects.get(pk=customer.pk)
    assert not row.is_portal_active and row.portal_password == ""

    with page.expect_navigation():
        page.get_by_label("Language").select_option("pl")
    # The customer's page loads its sections after it: leaving before they came aborts them.
    page.wait_for_load_state("networkidle")
    page.goto(url(http_server, tenant, f"/customers/{customer.pk}/"))
    shoot(page, "off-pl-1366")
    grant = page.locator(f'form[action="/customers/{customer.pk}/portal-access/"] button')
    assert grant.count() == 1
