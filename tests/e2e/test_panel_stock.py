"""The stock pages in a real browser: receive a delivery through the form (the product
found by typing, a bad quantity first) and see the new level; an employee, who may
receive but not adjust, finds no adjust form and is refused it by URL."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from dockpulse.tenancy import tenant_context
from tenant_apps.stock.models import StockMovement
from tests.support import TEST_PASSWORD, host_of, level_of, receive, seed, staff_user

pytestmark = pytest.mark.e2e


def url(server: Any, tenant: Any, path: str = "/") -> str:
    return f"http://{host_of(tenant)}:{server.port}{path}"


def text(locator: Any) -> str:
    """What the user reads: no-break spaces (1 234,5 kg) as spaces."""
    return " ".join(locator.inner_text().replace("\xa0", " ").split())


def log_in(page: Any, server: Any, tenant: Any, email: str = "owner@example.com") -> None:
    page.goto(url(server, tenant, "/login/"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url(server, tenant, "/"))


@pytest.fixture
def shop(make_tenant: Callable[..., Any]) -> Any:
    """A tenant with three products, 1 kg of P2 already in the default warehouse."""
    tenant = make_tenant()
    data = seed(tenant)
    receive(tenant, data["P2"], "1")
    return tenant


def test_receive_stock_through_the_form_and_see_the_level(http_server, shop, watched):
    page, problems = watched
    problems.expect(400)  # the form coming back with its error
    log_in(page, http_server, shop)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stock").click()
    page.get_by_role("link", name="Receive stock").click()

    # The product is found by typing (htmx), then picked; its unit shows by the quantity.
    page.get_by_label("Find a product by code or name").fill("p2")
    option = page.get_by_role("radio", name=re.compile(r"P2 Product P2"))
    option.check()
    assert text(page.locator("[data-unit-display]")) == "kg"
    # Searching on keeps the choice (first, still checked) next to the new matches.
    page.get_by_label("Find a product by code or name").fill("p1")
    page.get_by_role("radio", name=re.compile(r"P1 Product P1")).wait_for()
    assert page.get_by_role("radio", name=re.compile(r"P2 Product P2")).is_checked()
    page.get_by_label("Quantity").fill("-1")
    page.get_by_label("Delivery note or invoice").fill("WZ 7/2026")
    page.get_by_role("button", name="Receive", exact=True).click()

    quantity = page.get_by_label("Quantity")
    assert quantity.get_attribute("aria-invalid") == "true"
    assert "The quantity must be greater than zero." in text(page.locator(".field.has-error"))
    assert page.get_by_role("radio", name=re.compile(r"P2 Product P2")).is_checked()
    with tenant_context(shop):
        assert StockMovement.objects.count() == 1  # only the fixture's receipt

    quantity.fill("2.5")
    page.get_by_role("button", name="Receive", exact=True).click()
    page.wait_for_url(re.compile(r"/stock/\?product="))
    assert "On hand now: 3.5 kg." in text(page.locator(".messages"))
    row = page.locator("tr", has=page.get_by_role("link", name="P2", exact=True))
    assert "3.5 kg" in text(row)
    data = seed(shop)
    assert level_of(shop, data["P2"]).on_hand == Decimal("3.5")

    # The threshold is edited in its row (htmx swaps the row): above 3.5 available, low.
    levels_url = page.url
    row.get_by_label("Low-stock threshold of P2 in MAIN").fill("5")
    row.get_by_role("button", name="Save").click()
    row = page.locator("tr", has=page.get_by_role("link", name="P2", exact=True))
    row.get_by_text("Saved").wait_for()
    assert page.url == levels_url  # the row changed, not the page
    assert row.get_by_text("Low", exact=True).is_visible()
    assert level_of(shop, data["P2"]).low_stock_threshold == Decimal(5)


def test_an_employee_receives_but_sees_no_adjust_form(http_server, shop, watched):
    page, problems = watched
    problems.expect(403)
    staff_user(shop, "employee")
    log_in(page, http_server, shop, email=f"employee@{shop.slug}.example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stock").click()
    page.wait_for_url(url(http_server, shop, "/stock/"))
    assert page.get_by_role("link", name="Receive stock").is_visible()
    assert page.get_by_role("link", name="Adjust stock").count() == 0
    assert page.get_by_role("link", name="Adjust", exact=True).count() == 0
    assert page.locator("input[name=low_stock_threshold]").count() == 0

    response = page.goto(url(http_server, shop, "/stock/adjust/"))
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name="Your role does not allow this").is_visible()
    assert page.locator("form input[name=reason]").count() == 0
