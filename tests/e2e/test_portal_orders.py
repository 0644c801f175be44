"""The portal's orders in a real browser at a phone's width: sign in, the home page shows
an open order, open it, cancel it, see it cancelled; no sideways scrolling anywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from dockpulse.tenancy import tenant_context
from tenant_apps.sales.models import Order
from tests import factories as f
from tests.e2e.pages import no_sideways_scroll, screenshot, url

pytestmark = pytest.mark.e2e

PASSWORD = "Portal-Pass-2024"


def shot(page: Any, name: str) -> None:
    screenshot(page, f"portal_orders-{name}")


@pytest.mark.parametrize("width", [360, 1366])
def test_open_an_order_from_home_and_cancel_it(
    http_server: Any, make_tenant: Callable[..., Any], watched: Any, width: int
) -> None:
    page, _problems = watched
    page.set_viewport_size({"width": width, "height": 740})
    tenant = make_tenant()
    with tenant_context(tenant):
        anna = f.CustomerFactory.create(
            name="Anna Kowalska",
            phone="+48601234567",
            is_portal_active=True,
            portal_password=make_password(PASSWORD),
            portal_first_login=False,
        )
        sand = f.ProductFactory.create(name="Sand 0-2 mm, washed", code="SAND-02", unit="kg")
        older = f.OrderFactory.create(
            customer=anna, lines=[f.ProductLineFactory(of=sand, quantity="1250.5")]
        )
        order = f.OrderFactory.create(
            customer=anna,
            lines=[
                f.ProductLineFactory(of=sand, quantity="2.5"),
                f.LineFactory(description="Transport to the building site", unit_price="1234.56"),
            ],
            delivery_address={"street": "Długa 5", "postal_code": "00-001", "city": "Warszawa"},
            notes="Please call before delivery.",
        )
    page.goto(url(http_server, tenant, "/portal/"))
    page.wait_for_url(url(http_server, tenant, "/portal/login/"))
    page.get_by_label("Phone number").fill("601 234 567")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url(http_server, tenant, "/portal/"))
    # Home: the open orders, newest first, each with its status in words.
    open_orders = page.get_by_role("region", name="Open orders")
    assert open_orders.get_by_role("link", name=order.number).is_visible()
    assert open_orders.get_by_role("link", name=older.number).is_visible()
    assert open_orders.get_by_text("New").first.is_visible()
    shot(page, f"home-{width}")
    no_sideways_scroll(page, width)

    page.get_by_role("link", name="All your orders").click()
    page.wait_for_url(url(http_server, tenant, "/portal/orders/"))
    shot(page, f"list-{width}")
    no_sideways_scroll(page, width)

    page.get_by_role("link", name=order.number).click()
    page.wait_for_url(url(http_server, tenant, f"/portal/orders/{order.pk}/"))
    assert page.get_by_role("heading", name=f"Order {order.number}").is_visible()
    assert page.get_by_text("Transport to the building site").is_visible()
    shot(page, f"detail-{width}")
    no_sideways_scroll(page, width)

    # Cancel: the button opens the form (no JavaScript needed: <details>), then confirm.
    page.get_by_text("Cancel order", exact=True).click()
    page.get_by_label("Reason (optional)").fill("Ordered twice by mistake")
    shot(page, f"cancel-form-{width}")
    page.get_by_role("button", name="Cancel the order").click()
    page.wait_for_url(url(http_server, tenant, f"/portal/orders/{order.pk}/"))
    assert page.get_by_text(f"Order {order.number} is cancelled.").is_visible()
    assert page.locator(".portal-page-head .pill").inner_text() == "Cancelled"
    assert page.get_by_text("Ordered twice by mistake").is_visible()
    assert page.get_by_role("button", name="Cancel the order").count() == 0
    shot(page, f"cancelled-{width}")
    no_sideways_scroll(page, width)
    with tenant_context(tenant):
        assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED

    # The same pages in Polish.
    page.get_by_role("button", name="Polski").click()
    page.wait_for_url(url(http_server, tenant, f"/portal/orders/{order.pk}/"))
    assert page.locator("html").get_attribute("lang") == "pl"
    shot(page, f"cancelled-pl-{width}")
    no_sideways_scroll(page, width)
    for path, name in (("/portal/", "home"), ("/portal/orders/", "list")):
        page.goto(url(http_server, tenant, path))
        shot(page, f"{name}-pl-{width}")
        no_sideways_scroll(page, width)
