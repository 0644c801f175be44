"""The portal's whole journey in real browsers, with a real listener and Celery worker:

staff turn access on -> the SMS holds the password -> first login -> forced change ->
the customer places an order -> the staff panel shows it with source portal, the admin's
SMS is in the delivery log, stock is reserved -> staff send a quote -> the customer accepts
it -> its order exists once; another quote is rejected with a reason the staff see.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from dockpulse.actors import staff_actor
from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.notifications.models import NotificationDelivery
from tenant_apps.sales import services as sales
from tenant_apps.sales.inputs import quote_input
from tenant_apps.sales.models import Order, Quote
from tenant_apps.stock.models import StockReservation
from tests.bus_support import wait_until
from tests.e2e.pages import screenshot, url
from tests.support import (
    TEST_PASSWORD,
    client_for,
    quote_body,
    receive,
    seed,
    texts_to,
)

pytestmark = pytest.mark.e2e

OWNER = "owner@example.com"
ADMIN_PHONE = "+48600700800"
NEW_PASSWORD = "Moje-Nowe-Haslo-42"


def text(locator: Any) -> str:
    return " ".join(locator.inner_text().split())


def shoot(page: Any, name: str) -> None:
    screenshot(page, f"portal_journey-{name}")


def staff_log_in(page: Any, server: Any, tenant: Any) -> None:
    page.goto(url(server, tenant, "/login/"))
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url(server, tenant, "/"))


def sent_quote(tenant: Any, data: dict[str, Any], notes: str) -> Quote:
    """A quote for the customer, drafted through the services by the owner (the staff's
    page sends it)."""
    with tenant_context(tenant):
        owner = User.objects.get(email=OWNER)
        return sales.quote_create(
            values=quote_input(quote_body(data, notes=notes)), actor=staff_actor(owner)
        )


def staff_sends(page: Any, server: Any, tenant: Any, quote: Quote) -> None:
    page.goto(url(server, tenant, f"/quotes/{quote.pk}/"))
    page.get_by_role("button", name="Send to the customer").click()
    page.wait_for_url(url(server, tenant, f"/quotes/{quote.pk}/"))
    assert "Sent" in text(page.get_by_role("heading", level=1))


@pytest.fixture
def shop(make_tenant: Callable[..., Any], bus: Any) -> tuple[Any, dict[str, Any]]:
    """A tenant whose owner has a phone (the admin SMS goes there), seed()'s customer and
    products, 10 of P1 on hand; the listener and a worker running, their SMS in the file
    the server's go to (tests.support.texts_to reads it)."""
    tenant = make_tenant()
    with tenant_context(tenant):
        User.objects.filter(email=OWNER).update(phone=ADMIN_PHONE)
    data = seed(tenant)
    receive(tenant, data["P1"], "10")
    bus.own_sms_file = False
    bus.start_worker()
    bus.start_listener()
    return tenant, data


def test_the_whole_journey(http_server, shop, browser, watched):
    tenant, data = shop
    customer: Customer = data["customer"]
    staff, _problems = watched

    # 1. Staff turn portal access on; the SMS holds the initial password.
    staff.on("dialog", lambda dialog: dialog.accept())
    staff_log_in(staff, http_server, tenant)
    staff.goto(url(http_server, tenant, f"/customers/{customer.pk}/"))
    with staff.expect_navigation():
        staff.get_by_role("button", name="Turn on portal access").click()
    assert staff.get_by_text("the password was sent by SMS").is_visible()
    [sms] = [body for body in texts_to(customer.phone) if tenant.name in body]
    match = re.search(r"(?:password|hasło)\W+([A-Za-z2-9]{8})\b", sms, re.IGNORECASE)
    assert match, sms
    initial = match.group(1)

    # 2. The customer, on a phone, signs in and must change the password first.
    context = browser.new_context(viewport={"width": 360, "height": 740})
    phone = context.new_page()
    try:
        phone.goto(url(http_server, tenant, "/portal/"))
        phone.get_by_label("Phone number").fill("601 234 567")
        phone.get_by_label("Password").fill(initial)
        phone.get_by_role("button", name="Sign in").click()
        phone.wait_for_url(url(http_server, tenant, "/portal/password/"))
        phone.get_by_label("Password from the SMS").fill(initial)
        phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        phone.get_by_label("New password again").fill(NEW_PASSWORD)
        phone.get_by_role("button", name="Save the new password").click()
        phone.wait_for_url(url(http_server, tenant, "/portal/"))
        shoot(phone, "home-360")

        # 3. ... places an order from the catalogue.
        phone.get_by_role("link", name="New order").first.click()
        phone.get_by_label("Search the catalogue").fill("P1")
        phone.get_by_role("button", name="Search", exact=True).click()
        row = phone.locator(".catalogue-item", has_text="Product P1")
        row.get_by_label("Quantity").fill("3")
        row.get_by_role("button", name="Add Product P1 to the cart").click()
        phone.get_by_role("link", name="Cart: 1 product").click()
        phone.get_by_label("Notes").fill("Please call before delivery.")
        shoot(phone, "cart-360")
        phone.get_by_role("button", name="Place order").click()
        phone.wait_for_url(re.compile(r"/portal/orders/[0-9a-f-]{36}/$"))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        shoot(phone, "order-placed-360")
        with tenant_context(tenant):
            order = Order.objects.get(customer=customer)
        assert order.number in text(phone.get_by_role("heading", level=1))
        assert order.source == "portal"

        # 4. The staff panel shows it from the portal; the admin's SMS is in the delivery
        # log; the worker reserved the stock.
        staff.goto(url(http_server, tenant, f"/orders/{order.pk}/"))
        assert "Source Customer portal" in text(staff.locator("main"))
        log = client_for(tenant, "admin")

        def admin_sms() -> list[dict[str, Any]]:
            answer = log.get("/api/v1/notifications/deliveries/?channel=sms&status=sent")
            return [d for d in answer.json()["results"] if d["recipient"] == ADMIN_PHONE]

        [delivery] = wait_until(admin_sms, what="the admin's SMS in the delivery log")
        assert order.number in delivery["body"]
        assert any(order.number in body for body in texts_to(ADMIN_PHONE))

        def reserved() -> bool:
            with tenant_context(tenant):
                return StockReservation.objects.filter(
                    order_id=order.pk, quantity=Decimal(3)
                ).exists()

        wait_until(reserved, what="the stock reservation")
        staff.reload()
        assert "3 reserved" in text(staff.locator("main"))
        with tenant_context(tenant):
            assert NotificationDelivery.objects.filter(recipient=ADMIN_PHONE).count() == 1

        # 5. Staff send a quote; the customer accepts it (twice: the order exists once).
        accepted = sent_quote(tenant, data, "Spring offer")
        staff_sends(staff, http_server, tenant, accepted)
        phone.goto(url(http_server, tenant, "/portal/quotes/"))
        phone.get_by_role("link", name=accepted.number).click()
        shoot(phone, "quote-360")
        # The same quote open in a second tab, as it was before the decision.
        stale = context.new_page()
        stale.goto(url(http_server, tenant, f"/portal/quotes/{accepted.pk}/"))
        phone.get_by_role("button", name="Accept and order").click()
        phone.wait_for_url(url(http_server, tenant, f"/portal/quotes/{accepted.pk}/"))
        assert "Accepted" in text(phone.locator("main"))
        stale.get_by_role("button", name="Accept and order").click()  # once more, from there
        stale.wait_for_url(url(http_server, tenant, f"/portal/quotes/{accepted.pk}/"))
        assert "already accepted" in text(stale.locator("main"))
        stale.close()
        phone.wait_for_load_state("networkidle")
        with tenant_context(tenant):
            quote = Quote.objects.select_related("order").get(pk=accepted.pk)
            assert quote.order is not None
            assert Order.objects.filter(metadata__quote_id=str(accepted.pk)).count() == 1
            assert quote.order.source == "portal"
        shoot(phone, "quote-accepted-360")

        # 6. Another quote is rejected with a reason; the staff read it.
        rejected = sent_quote(tenant, data, "Summer offer")
        staff_sends(staff, http_server, tenant, rejected)
        phone.goto(url(http_server, tenant, f"/portal/quotes/{rejected.pk}/"))
        phone.get_by_text("Reject the quote", exact=True).click()
        phone.get_by_label("Why do you reject the quote?").fill("Too expensive for us this season.")
        phone.get_by_role("button", name="Reject with this reason").click()
        phone.wait_for_url(url(http_server, tenant, f"/portal/quotes/{rejected.pk}/"))
        staff.goto(url(http_server, tenant, f"/quotes/{rejected.pk}/"))
        assert "Too expensive for us this season." in text(staff.locator("main"))
        shoot(staff, "staff-rejected-1366")
    finally:
        context.close()
