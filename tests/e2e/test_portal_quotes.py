"""The portal's quotes in a real browser at a phone's width (and a wide screen): from the
quote list to a waiting quote, accepted, its order number on the page; another quote
rejected with a reason that the page then shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from dockpulse.actors import SYSTEM
from dockpulse.tenancy import tenant_context
from tenant_apps.sales import services
from tenant_apps.sales.models import Order, Quote
from tests import factories as f
from tests.e2e.pages import no_sideways_scroll, screenshot, url

pytestmark = pytest.mark.e2e

PASSWORD = "Portal-Pass-2024"


def shot(page: Any, name: str) -> None:
    screenshot(page, f"portal_quotes-{name}")


def sent_quote(tenant: Any, customer: Any, product: Any, notes: str) -> Quote:
    with tenant_context(tenant):
        quote = f.QuoteFactory.create(
            customer=customer,
            notes=notes,
            lines=[
                {"product": str(product.pk), "quantity": "6", "discount": "5"},
                {"description": "Delivery and assembly on site", "quantity": "2",
                 "unit": "h", "unit_price": "95.00", "vat_rate": "23"},
            ],
        )  # fmt: skip
        return services.quote_send(quote=quote, actor=SYSTEM, email=False).quote


@pytest.mark.parametrize("width", [360, 1366])
def test_accept_one_quote_and_reject_another_with_a_reason(
    http_server: Any, make_tenant: Callable[..., Any], watched: Any, width: int
) -> None:
    page, _problems = watched
    page.set_viewport_size({"width": width, "height": 780})
    tenant = make_tenant()
    with tenant_context(tenant):
        customer = f.CustomerFactory.create(
            name="Anna Kowalska",
            company_name="Kowalska Catering",
            phone="+48601234567",
            is_portal_active=True,
            portal_password=make_password(PASSWORD),
            portal_first_login=False,
        )
        chairs = f.ProductFactory.create(
            code="KRZ-DĄB-01", name="Oak dining chair, natural finish", price="249.99"
        )
    first = sent_quote(tenant, customer, chairs, "Delivery within 10 working days.")
    second = sent_quote(tenant, customer, chairs, "Prices valid for this order only.")

    page.goto(url(http_server, tenant, "/portal/login/"))
    page.get_by_label("Phone number").fill("601 234 567")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url(http_server, tenant, "/portal/"))

    # The list: both quotes wait for a decision.
    page.goto(url(http_server, tenant, "/portal/quotes/"))
    assert page.get_by_role("link", name=re.compile(r"Waiting for you\s+2")).is_visible()
    assert page.get_by_text("Waiting for your decision").first.is_visible()
    shot(page, f"list-{width}")
    no_sideways_scroll(page, width)

    # Open the first one, read it, accept it.
    page.get_by_role("link", name=f"Quote {first.number}").click()
    page.wait_for_url(url(http_server, tenant, f"/portal/quotes/{first.pk}/"))
    assert page.get_by_text("Oak dining chair, natural finish").first.is_visible()
    assert page.get_by_text("Delivery within 10 working days.").is_visible()
    shot(page, f"waiting-{width}")
    no_sideways_scroll(page, width)
    page.get_by_role("button", name="Accept and order").click()
    page.wait_for_url(url(http_server, tenant, f"/portal/quotes/{first.pk}/"))
    with tenant_context(tenant):
        order = Order.objects.get(metadata__quote_id=str(first.pk))
    assert order.source == "portal"
    assert page.get_by_role("heading", name="You accepted this quote").is_visible()
    order_link = page.get_by_role("link", name=f"order {order.number}")
    assert order_link.is_visible()
    assert order_link.get_attribute("href") == f"/portal/orders/{order.pk}/"
    assert page.get_by_text(f"we have your order {order.number}").is_visible()
    page.get_by_text("The record of this decision").click()
    shot(page, f"accepted-{width}")
    no_sideways_scroll(page, width)

    # The second one: rejected with a reason; an empty reason is refused first.
    page.goto(url(http_server, tenant, "/portal/quotes/"))
    page.get_by_role("link", name=f"Quote {second.number}").click()
    page.wait_for_url(url(http_server, tenant, f"/portal/quotes/{second.pk}/"))
    page.get_by_text("Reject the quote", exact=True).click()
    page.get_by_label("Why do you reject the quote?").fill(
        "We found a cheaper supplier for the chairs."
    )
    shot(page, f"reject-form-{width}")
    page.get_by_role("button", name="Reject with this reason").click()
    page.wait_for_url(url(http_server, tenant, f"/portal/quotes/{second.pk}/"))
    assert page.get_by_role("heading", name="You rejected this quote").is_visible()
    assert page.get_by_text("We found a cheaper supplier for the chairs.").is_visible()
    shot(page, f"rejected-{width}")
    no_sideways_scroll(page, width)
    with tenant_context(tenant):
        rejected = Quote.objects.get(pk=second.pk)
    assert rejected.status == "rejected" and rejected.rejected_via == "portal"
    assert "Chrome" in rejected.rejected_user_agent or "Headless" in rejected.rejected_user_agent

    # The same pages in Polish.
    page.get_by_role("button", name="Polski").click()
    page.wait_for_url(url(http_server, tenant, f"/portal/quotes/{second.pk}/"))
    assert page.locator("html").get_attribute("lang") == "pl"
    shot(page, f"rejected-pl-{width}")
    page.goto(url(http_server, tenant, f"/portal/quotes/{first.pk}/"))
    shot(page, f"accepted-pl-{width}")
    page.goto(url(http_server, tenant, "/portal/quotes/?tab=all"))
    shot(page, f"list-pl-{width}")
    no_sideways_scroll(page, width)
