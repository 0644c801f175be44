"""Placing an order in the portal, and repeating a past one: the service (the same order a
staff member would make, source portal, `order.created` and `portal.order_placed` in one
transaction, one admin SMS through the default trigger, stock reserved), the catalogue,
the cart in the portal session, the checkout's errors on their fields and lines, the
reorder at today's prices, the API, and isolation between customers and tenants; the
@portal switch and the forced password change."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIRequestFactory

from dockpulse import events
from dockpulse.actors import SYSTEM
from dockpulse.errors import NotPermitted, StateConflict
from dockpulse.events import delivery
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context, tenant_today
from tenant_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.notifications.models import NotificationDelivery
from tenant_apps.portal.api.ordering import PortalOrderPlaceView
from tenant_apps.portal.services import ordering as services
from tenant_apps.portal.sessions import COOKIE_NAME
from tenant_apps.products.models import Product
from tenant_apps.sales import inputs
from tenant_apps.sales.models import Order
from tenant_apps.sales.services import order_create
from tests import factories as f
from tests.portal_support import (  # noqa: F401  (fixtures)
    PASSWORD,
    PHONE,
    locmem_sms,
    module_off,
    portal_bearer,
    portal_customer,
    portal_tokens,
    signed_in,
)
from tests.support import (
    api,
    assert_error,
    bearer,
    field_errors,
    fields_of,
    handle,
    host_of,
    html,
    level_of,
    receive,
)

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.usefixtures("locmem_sms")]

NEW = "/portal/orders/new/"
ADD = "/portal/orders/new/add/"
CART = "/portal/orders/new/cart/"
PLACE_API = "/api/v1/portal/orders/"
PRODUCTS_API = "/api/v1/portal/products/"
OTHER_PHONE = "+48601999888"
ADDRESS = {"address_street": "Długa 5", "address_postal_code": "00-001", "address_city": "Warszawa"}


def today(tenant: Any) -> dt.date:
    with tenant_context(tenant):
        return tenant_today()


def customer_of(tenant: Any, **values: Any) -> Customer:
    return portal_customer(tenant, **{**ADDRESS, **values})


def catalogue(tenant: Any) -> dict[str, Product]:
    """Three products as the staff keep them, and one they no longer sell."""
    with tenant_context(tenant):
        return {
            "P1": f.ProductFactory.create(
                code="P1", name="Cement 25 kg", price=Decimal("19.99"), vat_rate="23", unit="szt"
            ),
            "P2": f.ProductFactory.create(
                code="P2", name="Sand", price=Decimal("4.10"), vat_rate="5", unit="kg"
            ),
            "P3": f.ProductFactory.create(
                code="P3", name="Nails", price=Decimal("0.05"), vat_rate="zw", unit="szt"
            ),
            "OLD": f.ProductFactory.create(
                code="OLD-1", name="Old brick", price=Decimal("2.00"), is_active=False
            ),
        }


def place(tenant: Any, customer: Customer, *lines: tuple[Any, str], **kw: Any) -> Order:
    with tenant_context(tenant):
        return services.portal_order_place(customer=customer, lines=list(lines), **kw)


def add(client: Client, product: Product, quantity: str, **extra: str) -> Any:
    return client.post(ADD, {"product": str(product.pk), "quantity": quantity, **extra})


def cart_post(client: Client, lines: dict[Product, str], **data: Any) -> Any:
    body: dict[str, Any] = {"line": [str(p.pk) for p in lines], **data}
    for product, quantity in lines.items():
        body[f"quantity-{product.pk}"] = quantity
    return client.post(CART, body)


def checkout(**overrides: str) -> dict[str, str]:
    values = {
        "delivery_date": "",
        "street": "Długa 5",
        "postal_code": "00-001",
        "city": "Warszawa",
        "notes": "",
        "action": "place",
    }
    values.update(overrides)
    return values


def place_api(tenant: Any, access: str, body: dict[str, Any]) -> Any:
    """POST portal/orders/ — through the URL once the lead has joined the place view with
    the order list there; until then (the list view answers 405) the view itself, called
    as the router would, in the tenant's context."""
    response = bearer(access, host_of(tenant)).post(PLACE_API, body, format="json")
    if response.status_code != 405:
        return response
    request = APIRequestFactory().post(
        PLACE_API,
        body,
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
        HTTP_HOST=host_of(tenant),
    )
    with tenant_context(tenant):
        answer: Any = PortalOrderPlaceView.as_view()(request)
        answer.render()
    answer.json = lambda: json.loads(answer.content)  # as the test client's answers
    return answer


def access_of(tenant: Any, phone: str = PHONE) -> str:
    response = portal_tokens(tenant, phone)
    assert response.status_code == 200, response.content
    return str(response.json()["access"])


def messages_of(response: Any) -> str:
    return " ".join(re.findall(r'<li class="message[^"]*"[^>]*>(.*?)</li>', html(response), re.S))


# --- the service ---------------------------------------------------------------------------


def test_a_portal_order_is_the_order_a_staff_member_would_make(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    day = today(tenant_a) + dt.timedelta(days=3)
    order = place(
        tenant_a,
        customer,
        (products["P1"].pk, "3"),
        (products["P2"].pk, "1,5"),
        (products["P3"].pk, "7"),
        delivery_date=day,
        notes="Gate 2",
    )
    with tenant_context(tenant_a):
        staff = order_create(
            values=inputs.order_input(
                {
                    "customer": customer.pk,
                    "lines": [
                        {"product": products["P1"].pk, "quantity": "3"},
                        {"product": products["P2"].pk, "quantity": "1.5"},
                        {"product": products["P3"].pk, "quantity": "7"},
                    ],
                }
            ),
            actor=SYSTEM,
        )
        order = Order.objects.get(pk=order.pk)
        lines = list(
            order.lines.values_list(
                "description", "quantity", "unit", "unit_price", "vat_rate", "total_gross"
            )
        )
        staff_lines = list(
            staff.lines.values_list(
                "description", "quantity", "unit", "unit_price", "vat_rate", "total_gross"
            )
        )
    assert order.source == "portal" and order.status == "new"
    assert order.assigned_to_id is None
    assert lines == staff_lines
    assert lines[0] == (
        "Cement 25 kg",
        Decimal("3.000"),
        "szt",
        Decimal("19.99"),
        "23",
        Decimal("73.76"),
    )
    assert (order.total_net, order.total_vat, order.total_gross) == (
        staff.total_net,
        staff.total_vat,
        staff.total_gross,
    )
    assert order.delivery_date == day and order.notes == "Gate 2"
    assert order.delivery_address == {
        "street": "Długa 5",
        "postal_code": "00-001",
        "city": "Warszawa",
        "country": "PL",
    }
    with tenant_context(tenant_a):
        sent = list(EventLog.objects.filter(entity_id=order.pk).order_by("created_at"))
        history = list(order.history.values_list("actor_type", "actor_name"))
    assert [e.event_type for e in sent] == ["order.created", "portal.order_placed"]
    created, placed = sent
    assert (placed.actor_type, placed.user_id) == ("customer", customer.pk)
    assert (created.actor_type, created.user_id) == ("customer", customer.pk)
    assert created.payload["source"] == "portal"
    assert placed.payload["order_id"] == str(order.pk)
    assert placed.payload["number"] == order.number
    assert placed.payload["customer_name"] == "Anna Kowalska"
    assert placed.payload["customer_phone"] == PHONE
    assert placed.payload["total_gross"] == str(order.total_gross)
    assert [i["quantity"] for i in placed.payload["items"]] == ["3.000", "1.500", "7.000"]
    assert history == [("customer", "Anna Kowalska")]


def test_the_two_events_and_the_order_are_one_transaction(tenant_a, monkeypatch):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    real = events.emit

    def failing(**kw: Any) -> Any:
        if kw["event_type"] == "portal.order_placed":
            raise RuntimeError("the bus is down")
        return real(**kw)

    monkeypatch.setattr(events, "emit", failing)
    with pytest.raises(RuntimeError):
        place(tenant_a, customer, (products["P1"].pk, "1"))
    with tenant_context(tenant_a):
        assert not Order.objects.filter(customer=customer).exists()
        assert not EventLog.objects.filter(
            event_type="order.created", payload__customer_id=str(customer.pk)
        ).exists()


def test_the_admins_get_one_sms_and_stock_is_reserved(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    receive(tenant_a, products["P1"], "10")
    with tenant_context(tenant_a):
        admin = User.objects.get(email="admin@tenant-a.example.com")
        admin.phone = "+48600100200"
        admin.save(update_fields=["phone"])
        delivery.drain()  # whatever came before
    order = place(tenant_a, customer, (products["P1"].pk, "4"))
    assert level_of(tenant_a, products["P1"]).reserved == 0  # not before the bus handles it
    with tenant_context(tenant_a):
        delivery.drain()
        sms = list(
            NotificationDelivery.objects.filter(event__entity_id=order.pk).values_list(
                "channel", "recipient", "trigger__code"
            )
        )
        body = NotificationDelivery.objects.get(event__entity_id=order.pk).body
        timeline = set(customer.timeline.values_list("event_type", flat=True))
    assert sms == [("sms", "+48600100200", "order.new.sms_admin")]
    assert order.number in body
    level = level_of(tenant_a, products["P1"])
    assert (level.on_hand, level.reserved, level.available) == (10, 4, 6)
    assert {"order.created", "portal.order_placed"} <= timeline


def test_stock_reserves_a_portal_order_through_its_handler(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    receive(tenant_a, products["P2"], "20")
    order = place(tenant_a, customer, (products["P2"].pk, "2,5"))
    handle(tenant_a, order)
    assert level_of(tenant_a, products["P2"]).reserved == Decimal("2.5")


def test_products_not_sold_and_bad_quantities_are_named_on_their_lines(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    with tenant_context(tenant_a), pytest.raises(Exception) as caught:
        services.portal_order_place(
            customer=customer,
            lines=[
                (products["OLD"].pk, "1"),
                (products["P1"].pk, "1.5"),
                (products["P2"].pk, "0"),
                ("00000000-0000-0000-0000-000000000000", "1"),
                ("nonsense", "1"),
                (products["P3"].pk, "abc"),
                (products["P2"].pk, "1000000000"),
            ],
        )
    errors = caught.value.message_dict  # type: ignore[attr-defined]
    assert errors == {
        "lines.0.product": ["Old brick is no longer sold."],
        "lines.1.quantity": ["This product is sold in whole units (szt): enter a whole number."],
        "lines.2.quantity": ["The quantity must be greater than zero."],
        "lines.3.product": ["There is no such product in the catalogue."],
        "lines.4.product": ["There is no such product in the catalogue."],
        "lines.5.quantity": ["Enter a quantity such as 2 or 1.5."],
        "lines.6.quantity": ["Enter a quantity with at most three decimal places."],
    }
    with tenant_context(tenant_a):
        assert not Order.objects.filter(customer=customer).exists()


def test_the_delivery_date_and_address_rules(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    yesterday = today(tenant_a) - dt.timedelta(days=1)
    with tenant_context(tenant_a), pytest.raises(Exception) as caught:
        services.portal_order_place(
            customer=customer,
            lines=[(products["P1"].pk, "1")],
            delivery_date=yesterday,
            delivery_address={"street": "", "postal_code": "", "city": "Kraków"},
        )
    assert caught.value.message_dict == {  # type: ignore[attr-defined]
        "delivery_date": ["The delivery date cannot be in the past."],
        "delivery_address.street": ["This field is required."],
        "delivery_address.postal_code": ["This field is required."],
    }
    placed = place(
        tenant_a,
        customer,
        (products["P1"].pk, "1"),
        delivery_date=today(tenant_a),
        delivery_address={"street": "Polna 1", "postal_code": "30-001", "city": "Kraków"},
    )
    assert placed.delivery_address == {
        "street": "Polna 1",
        "postal_code": "30-001",
        "city": "Kraków",
        "country": "PL",
    }


def test_a_customer_without_portal_access_places_nothing(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=customer.pk).update(is_portal_active=False)
    with pytest.raises(NotPermitted):
        place(tenant_a, customer, (products["P1"].pk, "1"))


# --- the pages -----------------------------------------------------------------------------


def test_the_catalogue_shows_active_products_with_prices_and_searches(tenant_a):
    customer_of(tenant_a)
    catalogue(tenant_a)
    client = signed_in(tenant_a)
    page = html(client.get(NEW))
    assert "Cement 25 kg" in page and "Sand" in page and "Nails" in page
    assert "Old brick" not in page
    # 19.99 net at 23%: 24.59 gross, by the services' rounding.
    assert "PLN\xa024.59" in page and "PLN\xa019.99 net per szt" in page
    assert "Code P1" in page
    found = html(client.get(NEW, {"q": "p2"}))
    assert "Sand" in found and "Cement" not in found
    assert "1 product matches" in found
    assert "No product matches" in html(client.get(NEW, {"q": "OLD-1"}))
    # Polish: the tenant's money as Polish writes it.
    client.cookies["django_language"] = "pl"
    polish = html(client.get(NEW, {"q": "cement"}, HTTP_ACCEPT_LANGUAGE="pl"))
    assert "24,59\xa0zł" in polish


def test_the_catalogue_is_paged(tenant_a):
    customer_of(tenant_a)
    with tenant_context(tenant_a):
        for n in range(25):
            f.ProductFactory.create(code=f"X{n:02d}", name=f"Item {n:02d}")
    client = signed_in(tenant_a)
    first, second = html(client.get(NEW)), html(client.get(NEW, {"page": "2"}))
    assert "Item 00" in first and "Item 19" in first and "Item 20" not in first
    assert "Item 24" in second and "Item 00" not in second
    assert "Page 2 of 2" in second
    assert client.get(NEW, {"page": "nonsense"}).status_code == 200


def test_add_to_cart_keeps_the_cart_across_pages_and_per_session(tenant_a):
    customer_of(tenant_a)
    products = catalogue(tenant_a)
    client = signed_in(tenant_a)
    response = add(client, products["P1"], "2", q="cem", page="1")
    assert response.status_code == 302
    assert response["Location"] == f"{NEW}?q=cem&page=1"
    followed = client.get(response["Location"])
    assert "Added to your cart: 2 szt of Cement 25 kg." in messages_of(followed)
    assert "Cart: 1 product" in html(followed)
    add(client, products["P1"], "3")  # the same product again: added up
    add(client, products["P2"], "1,25")
    page = html(client.get(CART))
    assert f'name="quantity-{products["P1"].pk}" value="5"' in page
    assert f'name="quantity-{products["P2"].pk}" value="1.25"' in page
    # 5 x 19.99 = 99.95 net, 122.94 gross; 1.25 x 4.10 = 5.13 net (5.125 half up), 5.39 gross.
    assert "PLN\xa0122.94" in page and "PLN\xa05.39" in page
    assert "PLN\xa0128.33" in page  # the cart's gross total
    # The cart is in the portal session: another sign-in of the same customer has its own.
    other = signed_in(tenant_a)
    assert "Your cart is empty." in html(other.get(CART))
    assert "Cement 25 kg" in html(client.get(CART))
    # ...and only product ids and quantities are kept there.
    from django.contrib.sessions.backends.db import SessionStore

    with tenant_context(tenant_a):
        stored = SessionStore(client.cookies[COOKIE_NAME].value)["_portal_cart"]
    assert stored == [[str(products["P1"].pk), "5"], [str(products["P2"].pk), "1.25"]]


def test_a_refused_add_is_said_on_its_product(tenant_a):
    customer_of(tenant_a)
    products = catalogue(tenant_a)
    client = signed_in(tenant_a)
    response = add(client, products["P1"], "1.5")
    assert response.status_code == 400
    page = html(response)
    block = page[page.index(f'id="product-{products["P1"].pk}"') :]
    block = block[: block.index("</li>")]
    assert "sold in whole units (szt)" in block and 'aria-invalid="true"' in block
    assert 'value="1.5"' in block
    response = add(client, products["OLD"], "1")
    assert response.status_code == 400
    assert "Old brick is no longer sold." in html(response)
    assert add(client, products["P2"], "").status_code == 400
    assert "Your cart is empty." in html(client.get(CART))


def test_update_remove_and_place_from_the_cart(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    client = signed_in(tenant_a)
    add(client, products["P1"], "1")
    add(client, products["P3"], "100")
    # The address is the profile's, editable.
    page = html(client.get(CART))
    assert 'value="Długa 5"' in page and 'value="00-001"' in page and 'value="Warszawa"' in page
    # Update: a quantity changed, the fields as typed are kept over page loads.
    response = cart_post(
        client,
        {products["P1"]: "4", products["P3"]: "100"},
        **checkout(notes="Ring twice", city="Wawa", action="update"),
    )
    assert response.status_code == 302 and response["Location"] == CART
    page = html(client.get(CART))
    assert f'name="quantity-{products["P1"].pk}" value="4"' in page
    assert "Ring twice" in page and 'value="Wawa"' in page
    # Remove a line.
    response = cart_post(
        client,
        {products["P1"]: "4", products["P3"]: "100"},
        remove=str(products["P3"].pk),
        **checkout(action="update"),
    )
    assert "The product was removed from your cart." in messages_of(client.get(CART))
    assert "Nails" not in html(client.get(CART))
    # Place.
    day = (today(tenant_a) + dt.timedelta(days=2)).isoformat()
    response = cart_post(
        client,
        {products["P1"]: "4"},
        **checkout(delivery_date=day, street="Polna 1", notes="Ring twice"),
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        order = Order.objects.get(customer=customer)
        lines = list(order.lines.values_list("description", "quantity"))
    assert response["Location"] == f"/portal/orders/{order.pk}/"
    assert order.source == "portal" and lines == [("Cement 25 kg", Decimal("4.000"))]
    assert order.delivery_date is not None and order.delivery_date.isoformat() == day
    assert order.notes == "Ring twice"
    assert order.delivery_address["street"] == "Polna 1"
    assert order.total_gross == Decimal("98.35")  # 4 x 19.99 = 79.96 net + 18.39 VAT
    # The cart is empty again, the fields back to the profile's.
    page = html(client.get(CART))
    assert "Your cart is empty." in page


def test_checkout_errors_are_on_their_fields_and_lines(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    client = signed_in(tenant_a)
    add(client, products["P1"], "1")
    add(client, products["P2"], "2")
    with tenant_context(tenant_a):  # the staff stop selling it meanwhile
        Product.objects.filter(pk=products["P2"].pk).update(is_active=False)
    yesterday = (today(tenant_a) - dt.timedelta(days=1)).isoformat()
    response = cart_post(
        client,
        {products["P1"]: "2.5", products["P2"]: "2"},
        **checkout(delivery_date=yesterday, street=""),
    )
    assert response.status_code == 400
    page = html(response)
    p1 = page[page.index(f'id="line-{products["P1"].pk}"') :]
    p1 = p1[: p1.index("</li>")]
    p2 = page[page.index(f'id="line-{products["P2"].pk}"') :]
    p2 = p2[: p2.index("</li>")]
    assert "sold in whole units (szt)" in p1 and 'value="2.5"' in p1
    assert "Sand is no longer sold." in p2
    assert "The delivery date cannot be in the past." in field_errors(page, "delivery_date")
    assert "This field is required." in field_errors(page, "street")
    assert field_errors(page, "city") == ""
    with tenant_context(tenant_a):
        assert not Order.objects.filter(customer=customer).exists()
    # An empty cart places nothing.
    cart_post(
        client, {products["P1"]: "1"}, remove=str(products["P1"].pk), **checkout(action="update")
    )
    cart_post(
        client, {products["P2"]: "1"}, remove=str(products["P2"].pk), **checkout(action="update")
    )
    response = client.post(CART, checkout())
    assert response.status_code == 302
    assert "Your cart is empty" in messages_of(client.get(CART))


def test_the_cart_page_names_a_product_no_longer_sold_when_it_is_shown(tenant_a):
    customer_of(tenant_a)
    products = catalogue(tenant_a)
    client = signed_in(tenant_a)
    add(client, products["P1"], "1")
    add(client, products["P2"], "1")
    with tenant_context(tenant_a):
        Product.objects.filter(pk=products["P2"].pk).update(is_active=False)
    page = html(client.get(CART))
    assert "Sand is no longer sold." in page
    assert "Lines with a problem are not counted" in page
    assert "PLN\xa024.59" in page  # the total is the good line's
    with tenant_context(tenant_a):
        Product.objects.filter(pk=products["P2"].pk).delete()
    response = client.get(CART)
    assert "A product of your cart is gone from the catalogue." in messages_of(response)
    assert "Sand" not in html(response)


# --- reorder ---------------------------------------------------------------------------------


def staff_order(tenant: Any, customer: Customer, *lines: tuple[Any, str]) -> Order:
    body: list[dict[str, Any]] = []
    for what, quantity in lines:
        if isinstance(what, Product):
            body.append({"product": what.pk, "quantity": quantity})
        else:
            body.append({"description": what, "quantity": quantity, "unit_price": "10"})
    with tenant_context(tenant):
        return order_create(
            values=inputs.order_input({"customer": customer.pk, "lines": body}), actor=SYSTEM
        )


def test_reorder_uses_todays_prices_and_skips_what_is_not_sold(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    old = staff_order(
        tenant_a, customer, (products["P1"], "2.5"), (products["P3"], "10"), ("Delivery", "1")
    )
    with tenant_context(tenant_a):
        Product.objects.filter(pk=products["P1"].pk).update(price=Decimal("25.00"))
        Product.objects.filter(pk=products["P3"].pk).update(is_active=False)
    client = signed_in(tenant_a)
    response = client.post(f"/portal/orders/{old.pk}/reorder/")
    assert response.status_code == 302
    with tenant_context(tenant_a):
        new = Order.objects.exclude(pk=old.pk).get(customer=customer)
        lines = list(new.lines.values_list("description", "quantity", "unit_price"))
        placed = EventLog.objects.get(entity_id=new.pk, event_type="portal.order_placed")
    assert response["Location"] == f"/portal/orders/{new.pk}/"
    # The quantity as it was (2.5 pieces, as staff agreed), the price today's.
    assert lines == [("Cement 25 kg", Decimal("2.500"), Decimal("25.00"))]
    assert new.source == "portal" and new.delivery_date is None
    assert new.delivery_address["street"] == "Długa 5"
    assert new.metadata == {"reorder_of": old.number}
    assert placed.payload["reorder_of"] == old.number
    shown = messages_of(client.get(CART))
    assert f"Order {old.number} ordered again: your new order is {new.number}" in shown
    assert "Not included because they are no longer sold: Nails, Delivery." in shown


def test_reorder_of_nothing_sold_is_refused_in_words(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    old = staff_order(tenant_a, customer, (products["P3"], "1"))
    with tenant_context(tenant_a):
        Product.objects.filter(pk=products["P3"].pk).update(is_active=False)
        with pytest.raises(StateConflict):
            services.portal_order_reorder(customer=customer, order=old)
    client = signed_in(tenant_a)
    response = client.post(f"/portal/orders/{old.pk}/reorder/")
    assert response["Location"] == f"/portal/orders/{old.pk}/"
    assert "None of the products of order" in messages_of(client.get(CART))
    with tenant_context(tenant_a):
        assert Order.objects.filter(customer=customer).count() == 1
    access = access_of(tenant_a)
    conflict = bearer(access, host_of(tenant_a)).post(f"/api/v1/portal/orders/{old.pk}/reorder/")
    assert_error(conflict, 409, "nothing_to_reorder")


def test_reorder_is_a_post_of_the_customers_own_order(tenant_a):
    customer_of(tenant_a)
    other = customer_of(tenant_a, phone=OTHER_PHONE, name="Bogdan Nowak")
    products = catalogue(tenant_a)
    theirs = staff_order(tenant_a, other, (products["P1"], "1"))
    client = signed_in(tenant_a)
    assert client.get(f"/portal/orders/{theirs.pk}/reorder/").status_code == 405
    assert client.post(f"/portal/orders/{theirs.pk}/reorder/").status_code == 404
    access = access_of(tenant_a)
    response = bearer(access, host_of(tenant_a)).post(f"/api/v1/portal/orders/{theirs.pk}/reorder/")
    assert_error(response, 404, "not_found")
    with tenant_context(tenant_a):
        assert Order.objects.count() == 1


# --- the API ---------------------------------------------------------------------------------


def test_the_api_places_an_order(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    access = access_of(tenant_a)
    day = (today(tenant_a) + dt.timedelta(days=1)).isoformat()
    response = place_api(
        tenant_a,
        access,
        {
            "lines": [
                {"product": str(products["P1"].pk), "quantity": "2"},
                {"product": str(products["P2"].pk), "quantity": 1.5},
            ],
            "delivery_date": day,
            "notes": "API",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    with tenant_context(tenant_a):
        order = Order.objects.get(customer=customer)
    assert body["id"] == str(order.pk) and body["number"] == order.number
    assert body["status"] == "new" and body["source"] == "portal"
    assert body["total_gross"] == str(order.total_gross)
    assert [line["unit_price"] for line in body["lines"]] == ["19.99", "4.10"]
    assert body["delivery_address"]["street"] == "Długa 5"  # none given: the profile's


def test_the_api_names_each_problem_by_field_and_line(tenant_a):
    customer_of(tenant_a)
    products = catalogue(tenant_a)
    access = access_of(tenant_a)
    response = place_api(
        tenant_a,
        access,
        {
            "lines": [
                {"product": str(products["OLD"].pk), "quantity": "1"},
                {"product": str(products["P1"].pk), "quantity": "0.5"},
            ],
            "delivery_date": (today(tenant_a) - dt.timedelta(days=3)).isoformat(),
            "delivery_address": {"street": "Polna 1", "city": "Kraków"},
        },
    )
    fields = fields_of(response)
    assert fields == {
        "lines.0.product": ["Old brick is no longer sold."],
        "lines.1.quantity": ["This product is sold in whole units (szt): enter a whole number."],
        "delivery_date": ["The delivery date cannot be in the past."],
        "delivery_address.postal_code": ["This field is required."],
    }
    # A price, a discount or any other key is no customer's to send.
    response = place_api(
        tenant_a,
        access,
        {
            "lines": [{"product": str(products["P1"].pk), "quantity": "1", "unit_price": "0.01"}],
        },
    )
    assert fields_of(response) == {"lines.0.unit_price": ["Unknown field."]}
    assert "lines" in fields_of(place_api(tenant_a, access, {"lines": []}))


def test_the_catalogue_api_lists_active_products_with_prices(tenant_a):
    customer_of(tenant_a)
    catalogue(tenant_a)
    client = portal_bearer(tenant_a)
    body = client.get(PRODUCTS_API).json()
    assert [p["code"] for p in body["results"]] == ["P1", "P3", "P2"]  # by name
    cement = body["results"][0]
    assert (cement["price_net"], cement["price_gross"], cement["unit"]) == ("19.99", "24.59", "szt")
    assert [p["name"] for p in client.get(PRODUCTS_API, {"search": "sa"}).json()["results"]] == [
        "Sand"
    ]


def test_the_portal_ordering_api_is_in_the_served_schema(tenant_a):
    response = Client(HTTP_HOST=host_of(tenant_a)).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    reorder = paths["/api/v1/portal/orders/{id}/reorder/"]["post"]
    assert reorder["tags"] == ["portal"]
    assert "201" in reorder["responses"]
    assert paths["/api/v1/portal/products/"]["get"]["tags"] == ["portal"]


# --- isolation, the switch, the forced change --------------------------------------------------


def test_a_session_and_token_of_tenant_a_order_nothing_on_tenant_b(tenant_a, tenant_b):
    customer_of(tenant_a)
    customer_of(tenant_b, name="Someone Else")
    products_b = catalogue(tenant_b)
    client = signed_in(tenant_a)
    access = access_of(tenant_a)
    host_b = host_of(tenant_b)
    response = client.get(NEW, HTTP_HOST=host_b)
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    key = client.cookies[COOKIE_NAME].value
    stranger = Client(HTTP_HOST=host_b)
    stranger.cookies[COOKIE_NAME] = key
    response = stranger.post(ADD, {"product": str(products_b["P1"].pk), "quantity": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    assert_error(bearer(access, host_b).get(PRODUCTS_API), 401, "token_not_valid")
    body = {"lines": [{"product": str(products_b["P1"].pk), "quantity": "1"}]}
    assert bearer(access, host_b).post(PLACE_API, body, format="json").status_code == 401
    with tenant_context(tenant_b):
        assert not Order.objects.exists()


def test_another_customers_cart_and_orders_are_not_reachable(tenant_a):
    customer_of(tenant_a)
    customer_of(tenant_a, phone=OTHER_PHONE, name="Bogdan Nowak")
    products = catalogue(tenant_a)
    anna = signed_in(tenant_a)
    bogdan = signed_in(tenant_a, phone=OTHER_PHONE)
    add(bogdan, products["P1"], "7")
    assert "Your cart is empty." in html(anna.get(CART))
    assert "Bogdan" not in html(anna.get(NEW))


def test_with_the_portal_module_off_ordering_is_404(tenant_a):
    customer = customer_of(tenant_a)
    products = catalogue(tenant_a)
    old = staff_order(tenant_a, customer, (products["P1"], "1"))
    client = signed_in(tenant_a)
    access = access_of(tenant_a)
    module_off(tenant_a)
    assert client.get(NEW).status_code == 404
    assert client.get(CART).status_code == 404
    assert add(client, products["P1"], "1").status_code == 404
    assert client.post(f"/portal/orders/{old.pk}/reorder/").status_code == 404
    host = host_of(tenant_a)
    assert bearer(access, host).get(PRODUCTS_API).status_code == 404
    assert bearer(access, host).post(f"/api/v1/portal/orders/{old.pk}/reorder/").status_code == 404
    assert api(host).get(PRODUCTS_API).status_code == 404


def test_until_the_sms_password_is_changed_ordering_is_refused(tenant_a):
    customer = customer_of(tenant_a, first_login=True)
    products = catalogue(tenant_a)
    old = staff_order(tenant_a, customer, (products["P1"], "1"))
    access = access_of(tenant_a)
    client = bearer(access, host_of(tenant_a))
    assert_error(client.get(PRODUCTS_API), 403, "password_change_required")
    assert_error(
        client.post(f"/api/v1/portal/orders/{old.pk}/reorder/"), 403, "password_change_required"
    )
    response = place_api(
        tenant_a, access, {"lines": [{"product": str(products["P1"].pk), "quantity": "1"}]}
    )
    assert response.status_code == 403
    page = signed_in(tenant_a)
    assert page.get(NEW)["Location"] == "/portal/password/"
    assert page.post(CART, checkout())["Location"] == "/portal/password/"
    with tenant_context(tenant_a):
        assert Order.objects.filter(customer=customer).count() == 1
