"""Orders and quotes: totals, numbering, the status machine, quotes to orders, isolation."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dockpulse.actors import SYSTEM, staff_actor
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import customer_create
from tenant_apps.products.models import Product
from tenant_apps.sales import services
from tenant_apps.sales.inputs import order_input, quote_input
from tenant_apps.sales.models import Order, OrderStatusChange, Quote
from tenant_apps.sales.services.lines import line_amounts
from tenant_apps.sales.services.numbering import format_number, pattern_check
from tests.support import client_for, fields_of, order_body, quote_body, seed

pytestmark = pytest.mark.django_db(databases="__all__")


def tenant_today(tenant) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(tenant.time_zone))


def events_of(tenant: Any, entity_id: Any) -> list[str]:
    with tenant_context(tenant):
        return list(
            EventLog.objects.filter(entity_id=entity_id)
            .order_by("created_at", "id")
            .values_list("event_type", flat=True)
        )


# --- totals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "rate", "net", "vat", "gross"),
    [
        # 3 x 19.99 x 0.9 = 53.973 -> 53.97; x 23% = 12.4131 -> 12.41
        ("3", "19.99", "10", "23", "53.97", "12.41", "66.38"),
        # 2.5 x 4.10 x 0.875 = 8.96875 -> 8.97; x 5% = 0.4485 -> 0.45
        ("2.5", "4.10", "12.5", "5", "8.97", "0.45", "9.42"),
        # 0.025 rounds half up to 0.03 (banker's rounding would give 0.02); exempt: no VAT
        ("1", "0.05", "50", "zw", "0.03", "0.00", "0.03"),
        # 0.125 x 8% = 0.01 exactly? 1 x 0.13 x 8% = 0.0104 -> 0.01
        ("1", "0.13", "0", "8", "0.13", "0.01", "0.14"),
        ("7", "100.00", "100", "23", "0.00", "0.00", "0.00"),
    ],
)
def test_line_amounts_round_per_line_half_up(quantity, price, discount, rate, net, vat, gross):
    amounts = line_amounts(
        quantity=Decimal(quantity), unit_price=Decimal(price), discount=Decimal(discount),
        vat_rate=rate,
    )  # fmt: skip
    assert (amounts.net, amounts.vat, amounts.gross) == (Decimal(net), Decimal(vat), Decimal(gross))


def test_order_totals_with_discounts_and_mixed_vat(tenant_a):
    data = seed(tenant_a)
    client = client_for(tenant_a, "manager")
    body = order_body(data, lines=[
        {"product": str(data["P1"].id), "quantity": 3, "discount": "10"},
        {"description": "Transport", "quantity": "1", "unit_price": "100", "vat_rate": "8"},
        {"product": str(data["P2"].id), "quantity": "2,5", "discount": 12.5},
        {"product": str(data["P3"].id), "quantity": "1", "discount": "50"},
    ])  # fmt: skip
    response = client.post("/api/v1/orders/", body, format="json")
    assert response.status_code == 201, response.content
    order = response.json()
    assert [line["total_gross"] for line in order["lines"]] == ["66.38", "108.00", "9.42", "0.03"]
    assert [line["vat_rate"] for line in order["lines"]] == ["23", "8", "5", "zw"]
    assert order["lines"][1]["unit"] == "szt" and order["lines"][2]["unit"] == "kg"
    # 53.97 + 100.00 + 8.97 + 0.03 and 12.41 + 8.00 + 0.45 + 0.00
    assert (order["total_net"], order["total_vat"], order["total_gross"]) == (
        "162.97", "20.86", "183.83",
    )  # fmt: skip
    assert order["status"] == "new" and order["source"] == "api"
    assert order["delivery_address"]["city"] == "Warszawa"  # the customer's, by default


def test_bad_lines_are_400_per_field_and_nothing_is_written(tenant_a):
    data = seed(tenant_a)
    client = client_for(tenant_a, "manager")
    with tenant_context(tenant_a):
        before = (Order.objects.count(), EventLog.objects.count())
    fields = fields_of(client.post("/api/v1/orders/", order_body(data, lines=[
        {"product": str(data["P1"].id), "quantity": "-1"},
        {"product": "7d4c5e1e-4a1b-4e39-9d7c-000000000000", "quantity": "1"},
        {"description": "Free text without a price", "quantity": "1"},
        {"product": str(data["P1"].id), "quantity": "1", "discount": "150", "vat_rate": "22"},
        {"quantity": "1"},
    ]), format="json"))  # fmt: skip
    assert fields == {
        "lines.0.quantity": ["The quantity must be greater than zero."],
        "lines.1.product": ["There is no such product."],
        "lines.2.unit_price": ["This field is required."],
        "lines.3.discount": ["Enter a discount in percent, from 0 to 100."],
        "lines.3.vat_rate": ["Choose one of: 23, 8, 5, 0, zw."],
        "lines.4.description": ["Choose a product or describe the line."],
        "lines.4.unit_price": ["This field is required."],
    }
    assert set(fields_of(client.post("/api/v1/orders/", {"lines": []}, format="json"))) == {
        "customer", "lines",
    }  # fmt: skip
    unknown = client.post("/api/v1/orders/", order_body(data, colour="red"), format="json")
    assert fields_of(unknown) == {"colour": ["Unknown field."]}
    stranger = order_body(data, customer="7d4c5e1e-4a1b-4e39-9d7c-000000000000")
    assert fields_of(client.post("/api/v1/orders/", stranger, format="json")) == {
        "customer": ["There is no such customer."]
    }
    late = order_body(data, delivery_date="tomorrow")
    assert set(fields_of(client.post("/api/v1/orders/", late, format="json"))) == {"delivery_date"}
    with tenant_context(tenant_a):
        assert (Order.objects.count(), EventLog.objects.count()) == before


# --- the order status machine ------------------------------------------------------------


def test_full_lifecycle_with_history_and_events(tenant_a):
    data = seed(tenant_a)
    employee, manager = client_for(tenant_a, "employee"), client_for(tenant_a, "manager")
    created = employee.post("/api/v1/orders/", order_body(data), format="json")
    assert created.status_code == 201, created.content
    order = created.json()
    year = timezone.localtime().year
    assert order["number"].startswith(f"ZAM-{year}-")
    assert order["allowed_transitions"] == ["confirmed", "cancelled"]
    url = f"/api/v1/orders/{order['id']}/transition/"

    assert employee.post(url, {"to": "confirmed"}, format="json").status_code == 403
    assert manager.post(url, {"to": "confirmed", "note": "paid"}, format="json").status_code == 200
    assert employee.post(url, {"to": "in_progress"}, format="json").status_code == 200
    fields = fields_of(employee.post(url, {"to": "shipped"}, format="json"))
    assert fields == {"tracking_number": ["Enter the shipment's tracking number."]}
    shipped = employee.post(url, {"to": "shipped", "tracking_number": "INPOST-123"},
                            format="json")  # fmt: skip
    assert shipped.json()["tracking_number"] == "INPOST-123"
    done = employee.post(url, {"to": "delivered"}, format="json").json()
    assert done["status"] == "delivered" and done["allowed_transitions"] == []

    history = employee.get(f"/api/v1/orders/{order['id']}/history/").json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("", "new"), ("new", "confirmed"), ("confirmed", "in_progress"),
        ("in_progress", "shipped"), ("shipped", "delivered"),
    ]  # fmt: skip
    assert [h["actor_name"] for h in history] == ["Employee", "Manager", "Employee", "Employee",
                                                  "Employee"]  # fmt: skip
    assert history[1]["note"] == "paid"
    assert events_of(tenant_a, order["id"]) == [
        "order.created", "order.confirmed", "order.in_progress", "order.shipped",
        "order.delivered",
    ]  # fmt: skip
    with tenant_context(tenant_a):
        created_event = EventLog.objects.get(entity_id=order["id"], event_type="order.created")
        shipped_event = EventLog.objects.get(entity_id=order["id"], event_type="order.shipped")
    assert created_event.payload["items"][0]["product_id"] == str(data["P1"].id)
    assert created_event.payload["customer_phone"] == "+48601234567"
    assert shipped_event.payload["tracking_number"] == "INPOST-123"


@pytest.mark.parametrize("path", [[], ["confirmed"], ["confirmed", "in_progress"]])
def test_cancel_from_new_confirmed_and_in_progress(tenant_a, path):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    order = manager.post("/api/v1/orders/", order_body(data), format="json").json()
    url = f"/api/v1/orders/{order['id']}/transition/"
    for status in path:
        assert manager.post(url, {"to": status}, format="json").status_code == 200
    cancelled = manager.post(url, {"to": "cancelled", "note": "customer called"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert events_of(tenant_a, order["id"])[-1] == "order.cancelled"
    again = manager.post(url, {"to": "confirmed"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["allowed"] == []


def test_illegal_transition_or_role_writes_nothing(tenant_a):
    data = seed(tenant_a)
    manager, employee = client_for(tenant_a, "manager"), client_for(tenant_a, "employee")
    order = manager.post("/api/v1/orders/", order_body(data), format="json").json()
    url = f"/api/v1/orders/{order['id']}/transition/"

    def state() -> tuple:
        with tenant_context(tenant_a):
            return (
                Order.objects.get(pk=order["id"]).status,
                OrderStatusChange.objects.filter(order_id=order["id"]).count(),
                EventLog.objects.count(),
            )

    before = state()
    illegal = manager.post(url, {"to": "shipped", "tracking_number": "X1"}, format="json")
    assert illegal.status_code == 409
    error = illegal.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["allowed"] == ["confirmed", "cancelled"]
    assert error["message"] == "An order that is New cannot become Shipped."
    assert employee.post(url, {"to": "cancelled"}, format="json").status_code == 403
    assert fields_of(manager.post(url, {"to": "lost"}, format="json")) == {
        "to": ['"lost" is not a valid choice.']
    }
    assert state() == before


def test_lines_change_while_new_only(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    order = manager.post("/api/v1/orders/", order_body(data), format="json").json()
    assert order["total_gross"] == "49.18"  # 2 x 19.99 = 39.98 + 9.20 VAT
    url = f"/api/v1/orders/{order['id']}/"
    changed = manager.patch(url, {"lines": [
        {"product": str(data["P1"].id), "quantity": "1", "unit_price": "10.00"},
    ], "notes": "rush"}, format="json")  # fmt: skip
    assert changed.status_code == 200, changed.content
    assert changed.json()["total_gross"] == "12.30"
    assert len(changed.json()["lines"]) == 1 and changed.json()["notes"] == "rush"
    manager.post(f"{url}transition/", {"to": "confirmed"}, format="json")
    locked = manager.patch(url, {"notes": "too late"}, format="json")
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "order_locked"
    # An employee creates orders but does not edit them.
    employee = client_for(tenant_a, "employee")
    assert employee.patch(url, {"notes": "x"}, format="json").status_code == 403


# --- lists -------------------------------------------------------------------------------


def test_list_filters_and_constant_query_count(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    with tenant_context(tenant_a):
        other = customer_create(
            values=customer_input({"name": "Bob", "phone": "602 000 000"}), actor=SYSTEM
        )
        user = User.objects.get(email="manager@tenant-a.example.com")
        for i in range(5):
            services.order_create(values=order_input({
                "customer": (other if i % 2 else data["customer"]).id,
                "lines": [{"product": data["P1"].id, "quantity": "1"},
                          {"product": data["P2"].id, "quantity": "2"}],
            }), actor=staff_actor(user))  # fmt: skip

    def count_queries() -> int:
        with CaptureQueriesContext(connections[tenant_a.alias]) as queries:
            response = manager.get("/api/v1/orders/?page_size=100")
        assert response.status_code == 200
        return len(queries)

    five = count_queries()
    with tenant_context(tenant_a):
        for _ in range(45):
            services.order_create(values=order_input({
                "customer": other.id, "lines": [{"product": data["P3"].id, "quantity": "3"}],
            }), actor=staff_actor(user))  # fmt: skip
    assert manager.get("/api/v1/orders/").json()["count"] == 50
    assert count_queries() == five

    by_customer = manager.get(f"/api/v1/orders/?customer={data['customer'].id}").json()
    assert by_customer["count"] == 3
    first = by_customer["results"][-1]["number"]
    found = manager.get(f"/api/v1/orders/?search={first}").json()["results"]
    assert [o["number"] for o in found] == [first]
    # "Today" is the tenant's: between 23:00 and 24:00 UTC it is already tomorrow in Warsaw.
    today = tenant_today(tenant_a).isoformat()
    span = f"created_from={today}&created_to={today}"
    assert manager.get(f"/api/v1/orders/?{span}").json()["count"] == 50
    assert manager.get("/api/v1/orders/?created_to=2000-01-01").json()["count"] == 0
    assert manager.get("/api/v1/orders/?status=confirmed").json()["count"] == 0
    assert fields_of(manager.get("/api/v1/orders/?created_from=May")) == {
        "created_from": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
    }


# --- numbering ---------------------------------------------------------------------------


def test_number_patterns():
    day = dt.datetime(2026, 3, 9)
    assert format_number("ZAM-{YYYY}-{NNN}", today=day, value=7) == "ZAM-2026-007"
    assert format_number("ZAM-{YYYY}-{NNN}", today=day, value=1000) == "ZAM-2026-1000"
    assert format_number("FV/{YY}/{MM}/{NNNN}", today=day, value=12) == "FV/26/03/0012"
    assert format_number("FV/{YY}/{MM}/{NNNN}", today=day, value=None) == "FV/26/03/#"
    for bad in ("ZAM-{YYYY}", "{NN}-{NNN}", "ZAM<{NNN}>", "{N}" + "X" * 40):
        with pytest.raises(ValidationError):
            pattern_check(bad)


def test_numbers_restart_each_year_in_the_tenants_time_zone(tenant_a):
    data = seed(tenant_a)
    # 23:30 UTC on 31 December is already 1 January in Warsaw (the tenant's zone).
    new_year = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    with tenant_context(tenant_a):
        first = services.order_create(values=order_input(order_body(data)), actor=SYSTEM)
        with mock.patch("django.utils.timezone.now", return_value=new_year):
            second = services.order_create(values=order_input(order_body(data)), actor=SYSTEM)
            third = services.order_create(values=order_input(order_body(data)), actor=SYSTEM)
        services.number_series_set(
            document_type="order", pattern="Z/{YY}/{MM}/{NNNN}", actor=SYSTEM
        )
        with mock.patch("django.utils.timezone.now", return_value=new_year):
            fourth = services.order_create(values=order_input(order_body(data)), actor=SYSTEM)
    assert first.number.endswith("-001") or first.number.startswith("ZAM-")
    assert (second.number, third.number) == ("ZAM-2027-001", "ZAM-2027-002")
    assert fourth.number == "Z/27/01/0001"


# --- quotes ------------------------------------------------------------------------------


def test_quote_send_accept_makes_one_order(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    created = manager.post("/api/v1/quotes/", quote_body(data), format="json")
    assert created.status_code == 201, created.content
    quote = created.json()
    assert quote["number"].startswith(f"OF-{timezone.localtime().year}-")
    assert quote["status"] == "draft"
    # 10 x 19.99 x 0.95 = 189.905 -> 189.91 (+43.68 VAT); 2 x 150 = 300 (+69.00)
    assert (quote["total_net"], quote["total_vat"], quote["total_gross"]) == (
        "489.91", "112.68", "602.59",
    )  # fmt: skip
    url = f"/api/v1/quotes/{quote['id']}/"
    early = manager.post(f"{url}accept/")
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_transition"
    assert manager.post(f"{url}send/").json()["status"] == "sent"
    assert manager.patch(url, {"notes": "x"}, format="json").status_code == 409

    accepted = manager.post(f"{url}accept/").json()
    assert accepted["status"] == "accepted" and accepted["accepted_at"]
    order = manager.get(f"/api/v1/orders/{accepted['order']}/").json()
    assert order["number"] == accepted["order_number"]
    assert order["total_gross"] == "602.59"
    copied = [
        (line["description"], line["quantity"], line["unit_price"]) for line in order["lines"]
    ]
    assert copied == [
        ("Product P1", "10.000", "19.99"), ("Installation", "2.000", "150.00"),
    ]  # fmt: skip
    assert order["metadata"]["quote_number"] == quote["number"]

    again = manager.post(f"{url}accept/")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        f"This quote was already accepted as order {order['number']}."
    )
    assert again.json()["error"]["order"] == order["id"]
    assert events_of(tenant_a, quote["id"]) == ["quote.created", "quote.sent", "quote.accepted"]
    assert events_of(tenant_a, order["id"]) == ["order.created"]


def test_quote_reject_and_employee_cannot(tenant_a):
    data = seed(tenant_a)
    manager, employee = client_for(tenant_a, "manager"), client_for(tenant_a, "employee")
    quote = manager.post("/api/v1/quotes/", quote_body(data), format="json").json()
    url = f"/api/v1/quotes/{quote['id']}/"
    manager.post(f"{url}send/")
    assert employee.post(f"{url}accept/").status_code == 403
    rejected = manager.post(f"{url}reject/", {"reason": "too expensive"}, format="json").json()
    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "too expensive"
    assert manager.post(f"{url}accept/").status_code == 409
    assert events_of(tenant_a, quote["id"])[-1] == "quote.rejected"
    with tenant_context(tenant_a):
        assert not Order.objects.filter(metadata__quote_id=quote["id"]).exists()


def test_quote_validity(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    past = manager.post("/api/v1/quotes/", quote_body(data, valid_until="2020-01-01"),
                        format="json")  # fmt: skip
    assert fields_of(past) == {"valid_until": ["The date cannot be in the past."]}
    quote = manager.post("/api/v1/quotes/", quote_body(data), format="json").json()
    default_until = dt.date.fromisoformat(quote["valid_until"])
    assert default_until == tenant_today(tenant_a) + dt.timedelta(days=30)
    manager.post(f"/api/v1/quotes/{quote['id']}/send/")
    with tenant_context(tenant_a):
        assert services.quotes_expire(today=default_until) == 0  # valid through that day
    out = io.StringIO()
    call_command("expire_quotes", "--tenant", "tenant-a", stdout=out)
    assert "tenant-a: 0 quote(s) expired" in out.getvalue()
    with tenant_context(tenant_a):
        assert Quote.objects.get(pk=quote["id"]).status == "sent"
        expired = services.quotes_expire(today=default_until + dt.timedelta(days=1))
        assert expired == 1
        assert Quote.objects.get(pk=quote["id"]).status == "expired"
    assert events_of(tenant_a, quote["id"])[-1] == "quote.expired"
    late = manager.post(f"/api/v1/quotes/{quote['id']}/accept/")
    assert late.status_code == 409


# --- isolation ---------------------------------------------------------------------------


def test_tenant_a_cannot_touch_tenant_b_orders_or_quotes(tenant_a, tenant_b):
    data_b = seed(tenant_b)
    seed(tenant_a)
    client_b, client_a = client_for(tenant_b, "manager"), client_for(tenant_a, "admin")
    order = client_b.post("/api/v1/orders/", order_body(data_b), format="json").json()
    quote = client_b.post("/api/v1/quotes/", quote_body(data_b), format="json").json()
    client_b.post(f"/api/v1/quotes/{quote['id']}/send/")

    assert client_a.get(f"/api/v1/orders/{order['id']}/").status_code == 404
    assert client_a.post(f"/api/v1/orders/{order['id']}/transition/", {"to": "confirmed"},
                         format="json").status_code == 404  # fmt: skip
    assert client_a.patch(f"/api/v1/orders/{order['id']}/", {"notes": "x"},
                          format="json").status_code == 404  # fmt: skip
    assert client_a.post(f"/api/v1/quotes/{quote['id']}/accept/").status_code == 404
    assert client_a.get(f"/api/v1/quotes/{quote['id']}/").status_code == 404
    assert order["id"] not in {o["id"] for o in client_a.get("/api/v1/orders/").json()["results"]}
    # tenant B's customer id is unknown in tenant A
    refused = client_a.post("/api/v1/orders/", order_body(data_b), format="json")
    assert set(fields_of(refused)) == {"customer", "lines.0.product"}
    # A's token on B's host is refused outright.
    token = client_a._credentials["HTTP_AUTHORIZATION"]  # type: ignore[attr-defined]
    from rest_framework.test import APIClient

    stranger = APIClient(HTTP_HOST="tenant-b.localhost", HTTP_AUTHORIZATION=token)
    assert stranger.get(f"/api/v1/orders/{order['id']}/").status_code == 401
    with tenant_context(tenant_b):
        current = Order.objects.get(pk=order["id"])
        assert current.status == "new" and current.notes == ""
        assert Quote.objects.get(pk=quote["id"]).status == "sent"


def test_orders_module_off_is_404(tenant_a):
    from tenant_apps.configuration.models import TenantModule

    client = client_for(tenant_a, "admin")
    with tenant_context(tenant_a):
        TenantModule.objects.filter(module_code="@quotes").update(is_enabled=False)
    assert client.get("/api/v1/quotes/").status_code == 404
    assert client.get("/api/v1/orders/").status_code == 200


def test_customers_and_products_on_documents_cannot_be_deleted(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    manager.post("/api/v1/orders/", order_body(data), format="json")
    refused = manager.delete(f"/api/v1/customers/{data['customer'].id}/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "customer_in_use"
    product = manager.delete(f"/api/v1/products/{data['P1'].id}/")
    assert product.status_code == 409
    assert product.json()["error"]["code"] == "product_in_use"
    with tenant_context(tenant_a):
        assert Customer.objects.filter(pk=data["customer"].id).exists()
        assert Product.objects.filter(pk=data["P1"].id).exists()
        assert not EventLog.objects.filter(event_type="entity.deleted").exists()


def test_huge_totals_far_dates_and_a_departed_handler(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    huge = order_body(data, lines=[{"description": "Ship", "quantity": "1000",
                                    "unit_price": "9999999999.99"}])  # fmt: skip
    assert fields_of(manager.post("/api/v1/orders/", huge, format="json")) == {
        "lines.0.quantity": ["This line's total is too large."]
    }
    assert manager.get("/api/v1/orders/?created_to=9999-12-31").status_code == 200
    with tenant_context(tenant_a):
        seller = User.objects.get(email="manager@tenant-a.example.com")
        quote = services.quote_create(
            values=quote_input(quote_body(data)), actor=staff_actor(seller)
        )
        services.quote_send(quote=quote, actor=SYSTEM)
        User.objects.filter(pk=seller.pk).update(is_active=False)
        accepted = services.quote_accept(quote=quote, actor=SYSTEM)
        assert accepted.order is not None and accepted.order.assigned_to is None


# --- quotes: accept without converting, convert, the e-mail on send (issue 14) ----------


def _sent_quote(tenant: Any, data: dict[str, Any], client: Any) -> dict[str, Any]:
    quote = client.post("/api/v1/quotes/", quote_body(data), format="json").json()
    sent = client.post(f"/api/v1/quotes/{quote['id']}/send/")
    assert sent.status_code == 200, sent.content
    return dict(sent.json())


def test_send_emails_the_customer_the_quote_with_its_pdf(tenant_a, mailoutbox):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    sent = _sent_quote(tenant_a, data, manager)
    assert sent["status"] == "sent" and sent["emailed_to"] == "anna@example.com"
    assert sent["not_emailed"] == "" and sent["pdf_missing"] == ""
    [message] = mailoutbox
    assert message.to == ["anna@example.com"]
    assert sent["number"] in message.subject
    assert sent["number"] in message.body and "PLN\xa0602.59" in message.body
    assert message.reply_to == ["manager@tenant-a.example.com"]
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"{sent['number']}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")


def test_send_when_the_mail_server_refuses_changes_nothing(tenant_a, mailoutbox):
    from dockpulse.notify.base import RetryableSendError

    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    quote = manager.post("/api/v1/quotes/", quote_body(data), format="json").json()
    with mock.patch(
        "tenant_apps.sales.services.quotes.send_email",
        side_effect=RetryableSendError("down", code="connection_failed"),
    ):
        refused = manager.post(f"/api/v1/quotes/{quote['id']}/send/")
    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "email_not_sent"
    assert "anna@example.com" in refused.json()["error"]["message"]
    assert manager.get(f"/api/v1/quotes/{quote['id']}/").json()["status"] == "draft"
    assert events_of(tenant_a, quote["id"]) == ["quote.created"]
    assert mailoutbox == []


def test_send_without_an_address_or_a_pdf_library_says_so(tenant_a, mailoutbox):
    from tenant_apps.sales.documents import PdfUnavailable

    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=data["customer"].pk).update(email="")
    quiet = _sent_quote(tenant_a, data, manager)
    assert quiet["status"] == "sent" and quiet["emailed_to"] == ""
    assert quiet["not_emailed"] == (
        "Anna Kowalska has no e-mail address: the quote was not e-mailed."
    )
    assert mailoutbox == []
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=data["customer"].pk).update(email="anna@example.com")
    with mock.patch(
        "tenant_apps.sales.services.quotes.quote_pdf",
        side_effect=PdfUnavailable("no WeasyPrint"),
    ):
        bare = _sent_quote(tenant_a, data, manager)
    assert bare["emailed_to"] == "anna@example.com"
    assert bare["pdf_missing"].startswith("The e-mail went without the PDF")
    [message] = mailoutbox
    assert message.attachments == []


def test_accept_without_converting_then_convert_once(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    quote = _sent_quote(tenant_a, data, manager)
    url = f"/api/v1/quotes/{quote['id']}/"
    early = manager.post(f"{url}convert/")
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_transition"

    accepted = manager.post(
        f"{url}accept/", {"convert": False}, format="json", REMOTE_ADDR="203.0.113.7"
    ).json()
    assert accepted["status"] == "accepted" and accepted["order"] is None
    assert accepted["accepted_by"] == "Manager on behalf of Anna Kowalska"
    assert (accepted["accepted_via"], accepted["accepted_ip"]) == ("api", "203.0.113.7")
    with tenant_context(tenant_a):
        assert not Order.objects.filter(metadata__quote_id=quote["id"]).exists()

    converted = manager.post(f"{url}convert/")
    assert converted.status_code == 201, converted.content
    order = converted.json()
    assert order["metadata"] == {"quote_id": quote["id"], "quote_number": quote["number"]}
    assert order["total_gross"] == "602.59" and order["source"] == "api"
    assert manager.get(url).json()["order_number"] == order["number"]

    again = manager.post(f"{url}convert/")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "already_converted" and error["order"] == order["id"]
    assert error["message"] == f"This quote was already converted to order {order['number']}."
    with tenant_context(tenant_a):
        assert Order.objects.filter(metadata__quote_id=quote["id"]).count() == 1
    assert events_of(tenant_a, quote["id"]) == [
        "quote.created", "quote.sent", "quote.accepted", "entity.updated",
    ]  # fmt: skip


def test_accept_converts_by_default_and_employees_cannot_convert(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    quote = _sent_quote(tenant_a, data, manager)
    url = f"/api/v1/quotes/{quote['id']}/"
    assert client_for(tenant_a, "employee").post(f"{url}convert/").status_code == 403
    accepted = manager.post(f"{url}accept/").json()
    assert accepted["order"] and accepted["accepted_via"] == "api"
    again = manager.post(f"{url}convert/")
    assert again.json()["error"]["code"] == "already_converted"
    assert again.json()["error"]["order"] == accepted["order"]
    assert manager.post(f"{url}accept/", {"convert": "maybe"}, format="json").status_code == 400


# --- the decision record (issue 15) ------------------------------------------------------


def _service_quote(tenant: Any) -> Quote:
    data = seed(tenant)
    with tenant_context(tenant):
        quote = services.quote_create(values=quote_input(quote_body(data)), actor=SYSTEM)
        return services.quote_send(quote=quote, actor=SYSTEM, email=False).quote


def test_staff_decisions_record_the_checksum_of_the_quote_as_it_was(tenant_a):
    from tenant_apps.sales.documents.checksum import quote_checksum

    accepted_quote, rejected_quote = _service_quote(tenant_a), _service_quote(tenant_a)
    from tests.support import staff_user

    manager = staff_actor(staff_user(tenant_a, "manager"))
    with tenant_context(tenant_a):
        before = quote_checksum(Quote.objects.get(pk=accepted_quote.pk))
        accepted = services.quote_accept(
            quote=accepted_quote, actor=manager, ip="198.51.100.4", user_agent="Firefox/128"
        )
        # The same checksum before and after: status, decision and order are not hashed.
        assert accepted.accepted_checksum == before == quote_checksum(accepted)
        assert accepted.accepted_user_agent == "Firefox/128"
        rejected = services.quote_reject(
            quote=rejected_quote, actor=manager, reason="  Too late. ", ip="198.51.100.5"
        )
    assert rejected.rejection_reason == "Too late."
    assert rejected.rejected_by == "Manager on behalf of Anna Kowalska"
    assert (rejected.rejected_via, rejected.rejected_ip) == ("admin", "198.51.100.5")
    assert len(rejected.rejected_checksum) == 64
    with tenant_context(tenant_a):
        event = EventLog.objects.get(event_type="quote.rejected", entity_id=rejected.pk)
    assert event.payload["reason"] == "Too late." and event.payload["rejected_via"] == "admin"
    assert event.payload["checksum"] == rejected.rejected_checksum
    # Staff never send portal.quote_accepted.
    assert "portal.quote_accepted" not in events_of(tenant_a, accepted.pk)


def test_a_decision_with_a_stale_checksum_is_refused_and_changes_nothing(tenant_a):
    from dockpulse.errors import StateConflict

    quote = _service_quote(tenant_a)
    with tenant_context(tenant_a):
        with pytest.raises(StateConflict) as refused:
            services.quote_accept(quote=quote, actor=SYSTEM, checksum="a" * 64)
        assert refused.value.code == "quote_changed"
        assert "changed since you opened it" in refused.value.message
        with pytest.raises(StateConflict):
            services.quote_reject(quote=quote, actor=SYSTEM, checksum="a" * 64)
        assert Quote.objects.get(pk=quote.pk).status == "sent"
        assert not Order.objects.filter(metadata__quote_id=str(quote.pk)).exists()


def test_a_customer_decides_only_on_their_own_quote_and_rejects_with_a_reason(tenant_a):
    from dockpulse.actors import customer_actor
    from dockpulse.errors import NotFound, StateConflict
    from tenant_apps.sales.documents.checksum import quote_checksum
    from tests import factories as f

    quote = _service_quote(tenant_a)
    with tenant_context(tenant_a):
        owner = Customer.objects.get(pk=quote.customer_id)
        Customer.objects.filter(pk=owner.pk).update(is_portal_active=True)
        owner.refresh_from_db()
        stranger = f.CustomerFactory.create(phone="+48609000111", is_portal_active=True)
        checksum = quote_checksum(quote)
        with pytest.raises(NotFound):
            services.quote_accept(quote=quote, actor=customer_actor(stranger), checksum=checksum)
        with pytest.raises(ValidationError) as no_checksum:
            services.quote_accept(quote=quote, actor=customer_actor(owner))
        assert "checksum" in no_checksum.value.message_dict
        with pytest.raises(ValidationError) as no_reason:
            services.quote_reject(
                quote=quote, actor=customer_actor(owner), reason=" ", checksum=checksum
            )
        assert no_reason.value.message_dict == {"reason": ["Tell us why you reject the quote."]}
        Quote.objects.filter(pk=quote.pk).update(valid_until=dt.date(2020, 1, 1))
        with pytest.raises(StateConflict) as late:
            services.quote_reject(
                quote=quote, actor=customer_actor(owner), reason="No", checksum=checksum
            )
        assert late.value.code == "quote_expired"
        assert Quote.objects.get(pk=quote.pk).status == "sent"


def test_the_user_agent_is_kept_on_one_printable_line_and_cut_to_its_column(tenant_a):
    quote = _service_quote(tenant_a)
    with tenant_context(tenant_a):
        accepted = services.quote_accept(
            quote=quote, actor=SYSTEM, user_agent="Agent\x00\r\n  " + "x" * 900
        )
        stored = Quote.objects.get(pk=accepted.pk).accepted_user_agent
    assert stored.startswith("Agent x") and len(stored) == 500
