"""The tenant's Django admin writes through the same services as the API."""

from __future__ import annotations

import pytest

from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer
from tenant_apps.products.models import Product
from tests.support import browser_login, order_body, quote_body, seed

pytestmark = pytest.mark.django_db(databases="__all__")


def test_admin_customer_form_validates_and_sends_events(tenant_a):
    client = browser_login()
    form = {
        "name": "Adam", "company_name": "", "phone": "601 234 567", "email": "", "nip": "123",
        "notes": "", "tags": "", "is_portal_active": "on", "address_street": "",
        "address_postal_code": "", "address_city": "Kraków", "address_country": "PL",
    }  # fmt: skip
    bad = client.post("/admin/customers/customer/add/", form)
    assert bad.status_code == 200
    assert "This is not a valid NIP (check the digits)." in bad.content.decode()
    good = client.post("/admin/customers/customer/add/", {**form, "nip": "5260001246"})
    assert good.status_code == 302, good.content.decode()[:2000]
    with tenant_context(tenant_a):
        customer = Customer.objects.get()
        assert customer.phone == "+48601234567" and customer.address_city == "Kraków"
        assert EventLog.objects.filter(
            entity_id=customer.id, event_type="customer.created"
        ).exists()


def test_admin_product_search_and_delete_go_through_services(tenant_a):
    client = browser_login()
    response = client.post(
        "/admin/products/product/add/",
        {"code": "A-1", "name": "Apple", "description": "", "category": "fruit",
         "price": "2.50", "unit": "kg", "vat_rate": "5", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert "A-1" in client.get("/admin/products/product/", {"q": "apple"}).content.decode()
    with tenant_context(tenant_a):
        product = Product.objects.get(code="A-1")
    client.post(f"/admin/products/product/{product.pk}/delete/", {"post": "yes"})
    with tenant_context(tenant_a):
        assert not Product.objects.exists()
        kinds = set(
            EventLog.objects.filter(entity_id=product.pk).values_list("event_type", flat=True)
        )
    assert kinds == {"entity.created", "entity.deleted"}


def test_admin_orders_and_quotes_pages_and_actions_use_the_services(tenant_a):
    from dockpulse.actors import SYSTEM
    from tenant_apps.sales import services
    from tenant_apps.sales.inputs import order_input, quote_input
    from tenant_apps.sales.models import Order, Quote

    data = seed(tenant_a)
    with tenant_context(tenant_a):
        order = services.order_create(values=order_input(order_body(data)), actor=SYSTEM)
        quote = services.quote_create(values=quote_input(quote_body(data)), actor=SYSTEM)
    client = browser_login()
    listing = client.get("/admin/sales/order/")
    assert listing.status_code == 200 and order.number in listing.content.decode()
    page = client.get(f"/admin/sales/order/{order.pk}/change/")
    assert page.status_code == 200 and "Product P1" in page.content.decode()
    confirmed = client.post("/admin/sales/order/", {
        "action": "mark_confirmed", "_selected_action": [str(order.pk)],
    }, follow=True)  # fmt: skip
    assert confirmed.status_code == 200
    shipped = client.post("/admin/sales/order/", {
        "action": "mark_delivered", "_selected_action": [str(order.pk)],
    }, follow=True)  # fmt: skip
    assert "cannot become Delivered" in shipped.content.decode()
    client.post("/admin/sales/quote/", {"action": "send", "_selected_action": [str(quote.pk)]})
    client.post("/admin/sales/quote/", {"action": "accept", "_selected_action": [str(quote.pk)]})
    with tenant_context(tenant_a):
        assert Order.objects.get(pk=order.pk).status == "confirmed"
        accepted = Quote.objects.get(pk=quote.pk)
        assert accepted.status == "accepted" and accepted.order is not None
        assert EventLog.objects.filter(entity_id=order.pk, event_type="order.confirmed").exists()
    series = client.post("/admin/sales/numberseries/add/", {
        "document_type": "order", "pattern": "ZAM-{YYYY}",
    })  # fmt: skip
    assert series.status_code == 200
    assert "exactly one counter" in series.content.decode()


def test_admin_shows_the_event_and_notification_logs(tenant_a):
    client = browser_login()
    for path in ("notifications/workflowtrigger/", "notifications/notificationdelivery/",
                 "events/eventdelivery/", "events/eventlog/"):  # fmt: skip
        page = client.get(f"/admin/{path}")
        assert page.status_code == 200, path
    triggers = client.get("/admin/notifications/workflowtrigger/").content.decode()
    assert "order.new.sms_admin" in triggers
    assert client.get("/admin/notifications/workflowtrigger/add/").status_code == 403
