"""The portal's home and orders (issue 15): what a customer sees of their own orders, the
cancel of a new order, the PDF, the API, and that nobody sees anybody else's."""

from __future__ import annotations

import datetime as dt
import html as markup
import re
from typing import Any

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dockpulse.actors import staff_actor
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.messaging.services import message_send
from tenant_apps.sales import documents
from tenant_apps.sales.documents import status as pdf_probe
from tenant_apps.sales.models import Order
from tenant_apps.sales.services.quotes import quote_send
from tests import factories as f
from tests.portal_support import (  # noqa: F401  (fixtures)
    locmem_sms,
    module_off,
    portal_bearer,
    portal_customer,
    portal_login,
    portal_tokens,
    signed_in,
)
from tests.support import assert_error, bearer, host_of, html, move, staff_user

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.usefixtures("locmem_sms")]

BOB_PHONE = "+48602345678"
BOB_PASSWORD = "Bob-Portal-Pass-99"


def order_for(tenant: Any, customer: Any, *lines: Any, **header: Any) -> Order:
    with tenant_context(tenant):
        return f.OrderFactory.create(
            customer=customer, lines=list(lines) or [f.LineFactory()], **header
        )


def two_customers(tenant: Any) -> tuple[Any, Any]:
    anna = portal_customer(tenant)
    bob = portal_customer(tenant, phone=BOB_PHONE, name="Bolesław Nowak", password=BOB_PASSWORD)
    return anna, bob


def text(response: Any) -> str:
    """The page's visible text, tags dropped, whitespace collapsed."""
    visible = markup.unescape(re.sub(r"<[^>]+>", " ", html(response))).replace("\xa0", " ")
    return re.sub(r"\s+", " ", visible).strip()


def conflict(response: Any, code: str) -> dict[str, Any]:
    """A 409 in the API's error shape; it also names the order's status now."""
    assert response.status_code == 409, response.content
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code and error["message"] and "status" in error, error
    return error


def status_of(tenant: Any, order: Order) -> str:
    with tenant_context(tenant):
        return Order.objects.get(pk=order.pk).status


# --- the order list --------------------------------------------------------------------------


def test_the_list_shows_only_the_customers_own_orders_newest_first(tenant_a):
    anna, bob = two_customers(tenant_a)
    first = order_for(tenant_a, anna)
    second = order_for(tenant_a, anna, delivery_date=dt.date(2031, 5, 17))
    theirs = order_for(tenant_a, bob)
    page = html(signed_in(tenant_a).get("/portal/orders/"))
    assert second.number in page and first.number in page
    assert page.index(second.number) < page.index(first.number)
    assert theirs.number not in page and "Bolesław" not in page
    assert "New" in page  # the status in words
    assert "5/17/2031" in page or "2031" in page  # the delivery date


def test_status_tabs_filter_and_the_list_pages_by_25(tenant_a):
    anna = portal_customer(tenant_a)
    orders = [order_for(tenant_a, anna) for _ in range(27)]
    move(tenant_a, orders[0], "cancelled")
    move(tenant_a, orders[1], "confirmed", "in_progress", "shipped", "delivered")
    client = signed_in(tenant_a)
    first = html(client.get("/portal/orders/"))
    shown = re.findall(r'href="/portal/orders/([0-9a-f-]{36})/"', first)
    assert len(shown) == 25
    assert "Page 1 of 2" in first
    assert str(orders[-1].pk) == shown[0]  # newest first
    second = html(client.get("/portal/orders/", {"page": 2}))
    assert re.findall(r'href="/portal/orders/([0-9a-f-]{36})/"', second) == [
        str(orders[1].pk),
        str(orders[0].pk),
    ]
    open_page = html(client.get("/portal/orders/", {"status": "open"}))
    assert orders[0].number not in open_page and orders[1].number not in open_page
    assert orders[2].number in open_page
    cancelled = html(client.get("/portal/orders/", {"status": "cancelled"}))
    assert re.findall(r'href="/portal/orders/([0-9a-f-]{36})/"', cancelled) == [str(orders[0].pk)]
    # The tabs with their counts; the one shown is marked.
    tabs = text(client.get("/portal/orders/", {"status": "open"}))
    assert "All 27" in tabs and "Open 25" in tabs and "Cancelled 1" in tabs
    assert "Delivered 1" in tabs
    assert 'href="?status=open" aria-current="page"' in open_page
    # Nonsense is the whole list, never an error.
    assert client.get("/portal/orders/", {"status": "nope", "page": "x"}).status_code == 200


def test_an_empty_list_says_so(tenant_a):
    portal_customer(tenant_a)
    assert "You have no orders yet." in html(signed_in(tenant_a).get("/portal/orders/"))


# --- one order --------------------------------------------------------------------------------


def test_the_detail_shows_lines_totals_vat_delivery_tracking_and_history(tenant_a):
    anna = portal_customer(tenant_a)
    with tenant_context(tenant_a):
        sand = f.ProductFactory.create(
            name="Sand 0-2 mm", code="SAND", unit="kg", price="4.10", vat_rate="5"
        )
    order = order_for(
        tenant_a,
        anna,
        f.ProductLineFactory(of=sand, quantity="2.5"),
        f.LineFactory(description="Transport", quantity="1", unit_price="100.00", vat_rate="23"),
        delivery_date=dt.date(2031, 5, 17),
        delivery_address={"street": "Długa 5", "postal_code": "00-001", "city": "Warszawa"},
        notes="Please call before delivery.",
    )
    manager = staff_user(tenant_a, "manager")
    with tenant_context(tenant_a):
        from tenant_apps.sales.services import order_transition

        order_transition(
            order=order, to="confirmed", actor=staff_actor(manager), note="Internal: paid upfront"
        )
    move(tenant_a, order, "in_progress", "shipped")  # tracking TRACK-1
    page = signed_in(tenant_a).get(f"/portal/orders/{order.pk}/")
    assert page.status_code == 200
    shown = text(page)
    assert "Sand 0-2 mm" in shown and "SAND" in shown and "2.5 kg" in shown
    assert "Transport" in shown and "PLN 100.00" in shown
    # 2.5 x 4.10 = 10.25 net, 5% = 0.51; 100 net, 23% = 23.00: 133.76 gross.
    assert "PLN 10.25" in shown and "PLN 0.51" in shown and "PLN 133.76" in shown
    assert "VAT summary" in shown and "5%" in shown and "23%" in shown
    assert "Długa 5" in shown and "00-001 Warszawa" in shown
    assert "Please call before delivery." in shown
    assert "Tracking number TRACK-1" in shown
    assert "Shipped" in shown and "Status history" in shown
    history = html(page).split("Status history", 1)[1]
    for label in ("New", "Confirmed", "In progress", "Shipped"):
        assert label in history
    # Who moved it is "us", never a staff member's name; staff notes stay inside.
    assert "Us" in history
    assert "Internal: paid upfront" not in html(page) and manager.name not in history
    # Shipped: no cancel form; "Order again" posts to the ordering pages' reorder and the
    # PDF is linked.
    assert "/cancel/" not in html(page)
    assert f'href="/portal/orders/{order.pk}/pdf/"' in html(page)
    assert f'method="post" action="/portal/orders/{order.pk}/reorder/"' in html(page)


def test_a_new_order_is_cancelled_by_its_customer_with_an_event(tenant_a):
    anna = portal_customer(tenant_a)
    order = order_for(tenant_a, anna)
    client = signed_in(tenant_a)
    page = html(client.get(f"/portal/orders/{order.pk}/"))
    assert f'action="/portal/orders/{order.pk}/cancel/"' in page and "Cancel order" in page
    response = client.post(
        f"/portal/orders/{order.pk}/cancel/",
        {"reason": "Ordered twice by mistake", "expected_status": "new"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/portal/orders/{order.pk}/"
    assert status_of(tenant_a, order) == "cancelled"
    with tenant_context(tenant_a):
        event = EventLog.objects.get(event_type="order.cancelled", entity_id=order.pk)
        assert event.actor_type == "customer" and event.user_id == anna.pk
        assert event.payload["note"] == "Ordered twice by mistake"
    after = client.get(response["Location"])
    shown = text(after)
    assert f"Order {order.number} is cancelled." in shown
    assert "Cancelled" in shown and "/cancel/" not in html(after)
    # The customer's own reason is theirs to see, marked as their move.
    assert "Ordered twice by mistake" in shown and "You" in shown
    # A second click (another tab) is no error: it is done.
    again = client.post(f"/portal/orders/{order.pk}/cancel/", {"expected_status": "new"})
    assert again.status_code == 302
    assert "is cancelled already" in html(client.get(again["Location"]))


def test_a_confirmed_order_cannot_be_cancelled_and_the_page_says_so(tenant_a):
    anna = portal_customer(tenant_a)
    order = order_for(tenant_a, anna)
    client = signed_in(tenant_a)
    client.get(f"/portal/orders/{order.pk}/")  # the customer looks while it is new
    move(tenant_a, order, "confirmed")  # the staff confirm it meanwhile
    response = client.post(f"/portal/orders/{order.pk}/cancel/", {"expected_status": "new"})
    assert response.status_code == 409
    assert "can no longer be cancelled here" in html(response)
    assert "Someone else" not in html(response)  # the staff's wording is not the customer's
    assert status_of(tenant_a, order) == "confirmed"
    assert "/cancel/" not in html(client.get(f"/portal/orders/{order.pk}/"))
    # Without the status seen, the service still refuses.
    assert client.post(f"/portal/orders/{order.pk}/cancel/").status_code == 409
    with tenant_context(tenant_a):
        assert not EventLog.objects.filter(event_type="order.cancelled").exists()


def test_a_too_long_reason_is_an_error_on_the_field(tenant_a):
    anna = portal_customer(tenant_a)
    order = order_for(tenant_a, anna)
    response = signed_in(tenant_a).post(f"/portal/orders/{order.pk}/cancel/", {"reason": "x" * 501})
    assert response.status_code == 400
    assert "at most 500 characters" in html(response) and 'aria-invalid="true"' in html(response)
    assert status_of(tenant_a, order) == "new"


def test_the_pdf_is_the_order_of_the_customer(tenant_a):
    anna, bob = two_customers(tenant_a)
    order = order_for(tenant_a, anna)
    theirs = order_for(tenant_a, bob)
    client = signed_in(tenant_a)
    if not documents.pdf_status().available:
        pytest.skip("this server cannot render PDFs")
    response = client.get(f"/portal/orders/{order.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{order.number}.pdf"' in response["Content-Disposition"]
    assert client.get(f"/portal/orders/{theirs.pk}/pdf/").status_code == 404


def test_without_the_pdf_library_the_pdf_is_a_503_in_words(tenant_a, monkeypatch):
    anna = portal_customer(tenant_a)
    order = order_for(tenant_a, anna)
    monkeypatch.setattr(pdf_probe, "_probe", lambda: pdf_probe.MISSING_LIBRARY)
    client = signed_in(tenant_a)
    response = client.get(f"/portal/orders/{order.pk}/pdf/")
    assert response.status_code == 503
    assert "The PDF cannot be made right now" in html(response)
    assert "Pango" not in html(response)  # the server's reason is for the staff
    assert "cannot be made at the moment" in html(client.get(f"/portal/orders/{order.pk}/"))
    api = portal_bearer(tenant_a)
    assert_error(api.get(f"/api/v1/portal/orders/{order.pk}/pdf/"), 503, "pdf_unavailable")


# --- the home page -----------------------------------------------------------------------------


def test_home_shows_open_orders_waiting_quotes_and_unread_messages(tenant_a):
    anna, bob = two_customers(tenant_a)
    newest_open = order_for(tenant_a, anna)
    delivered = order_for(tenant_a, anna)
    move(tenant_a, delivered, "confirmed", "in_progress", "shipped", "delivered")
    confirmed = order_for(tenant_a, anna)
    move(tenant_a, confirmed, "confirmed")
    theirs = order_for(tenant_a, bob)
    manager = staff_user(tenant_a, "manager")
    with tenant_context(tenant_a):
        waiting = f.QuoteFactory.create(
            customer=anna, valid_until=timezone.localdate() + dt.timedelta(days=10)
        )
        quote_send(quote=waiting, actor=staff_actor(manager), email=False)
        draft = f.QuoteFactory.create(customer=anna)
        past = f.QuoteFactory.create(
            customer=anna, valid_until=timezone.localdate() + dt.timedelta(days=1)
        )
        quote_send(quote=past, actor=staff_actor(manager), email=False)
        f.QuoteFactory.create(customer=bob)
        message_send(customer=anna, body="Your order is on its way", actor=staff_actor(manager))
        message_send(customer=anna, body="And one more thing", actor=staff_actor(manager))
        message_send(customer=bob, body="For Bob only", actor=staff_actor(manager))
        # The past one's validity ends before today (written directly: the service refuses).
        from tenant_apps.sales.models import Quote

        Quote.objects.filter(pk=past.pk).update(
            valid_until=timezone.localdate() - dt.timedelta(days=1)
        )
    response = signed_in(tenant_a).get("/portal/")
    assert response.status_code == 200
    page = html(response)
    shown = text(response)
    assert "Signed in as Anna Kowalska" in shown
    assert newest_open.number in page and confirmed.number in page
    assert delivered.number not in page and theirs.number not in page
    assert "Confirmed" in shown and "New" in shown
    assert "Open orders 2" in shown
    assert waiting.number in page and draft.number not in page and past.number not in page
    assert "Quotes waiting for your decision 1" in shown
    assert "Valid until" in shown
    assert "You have 2 unread messages from us." in shown
    assert 'href="/portal/orders/"' in page


def test_home_with_nothing_open_says_so(tenant_a):
    portal_customer(tenant_a)
    shown = text(signed_in(tenant_a).get("/portal/"))
    assert "You have no open orders." in shown
    assert "No quote is waiting for your decision." in shown
    assert "unread" not in shown


def test_home_lists_five_open_orders_and_links_the_rest(tenant_a):
    anna = portal_customer(tenant_a)
    orders = [order_for(tenant_a, anna) for _ in range(7)]
    page = html(signed_in(tenant_a).get("/portal/"))
    listed = re.findall(r'href="/portal/orders/([0-9a-f-]{36})/"', page)
    assert listed == [str(o.pk) for o in reversed(orders[2:])]
    assert 'href="/portal/orders/?status=open"' in page and "All 7 open orders" in page


# --- queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/portal/", "/portal/orders/", "/portal/orders/?status=open"])
def test_home_and_list_run_the_same_queries_for_1_or_30_orders(
    tenant_a, django_assert_num_queries, url
):
    few = portal_customer(tenant_a)
    many = portal_customer(tenant_a, phone=BOB_PHONE, name="Bolesław Nowak", password=BOB_PASSWORD)
    order_for(tenant_a, few)
    for _ in range(30):
        order_for(tenant_a, many)
    with tenant_context(tenant_a):
        for customer in (few, many):
            quote = f.QuoteFactory.create(customer=customer)
            quote_send(quote=quote, actor=staff_actor(staff_user(tenant_a)), email=False)
    one, thirty = signed_in(tenant_a), signed_in(tenant_a, phone=BOB_PHONE, password=BOB_PASSWORD)
    one.get(url), thirty.get(url)  # what a first request caches
    tenant_db = connections[tenant_a.alias]
    with CaptureQueriesContext(tenant_db) as counted:
        assert one.get(url).status_code == 200
    with django_assert_num_queries(len(counted), connection=tenant_db):
        assert thirty.get(url).status_code == 200
    # The portal's session (modules, session, customer) and three reads of the page's own.
    assert len(counted) <= 6, [q["sql"] for q in counted.captured_queries]


def test_the_detail_runs_the_same_queries_for_1_or_30_lines(
    tenant_a, django_assert_max_num_queries
):
    anna = portal_customer(tenant_a)
    small = order_for(tenant_a, anna)
    with tenant_context(tenant_a):
        products = [f.ProductFactory.create() for _ in range(30)]
    big = order_for(tenant_a, anna, *[f.ProductLineFactory(of=p) for p in products])
    client = signed_in(tenant_a)
    client.get(f"/portal/orders/{small.pk}/")
    tenant_db = connections[tenant_a.alias]
    with CaptureQueriesContext(tenant_db) as counted:
        client.get(f"/portal/orders/{small.pk}/")
    with django_assert_max_num_queries(len(counted), connection=tenant_db):
        assert client.get(f"/portal/orders/{big.pk}/").status_code == 200


# --- isolation ---------------------------------------------------------------------------------


def test_customer_b_ids_are_404_for_customer_a_by_page_pdf_and_api(tenant_a):
    _anna, bob = two_customers(tenant_a)
    theirs = order_for(tenant_a, bob, notes="Bob's secret note")
    client = signed_in(tenant_a)
    api = portal_bearer(tenant_a)
    for url in (f"/portal/orders/{theirs.pk}/", f"/portal/orders/{theirs.pk}/pdf/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Bob's secret note" not in html(response) and theirs.number not in html(response)
    assert (
        client.post(f"/portal/orders/{theirs.pk}/cancel/", {"expected_status": "new"}).status_code
        == 404
    )
    for url in (f"/api/v1/portal/orders/{theirs.pk}/", f"/api/v1/portal/orders/{theirs.pk}/pdf/"):
        assert_error(api.get(url), 404, "not_found")
    assert_error(
        api.post(f"/api/v1/portal/orders/{theirs.pk}/cancel/", {}, format="json"), 404, "not_found"
    )
    assert status_of(tenant_a, theirs) == "new"
    assert theirs.number not in html(client.get("/portal/orders/"))
    assert theirs.number not in html(client.get("/portal/"))
    listed = api.get("/api/v1/portal/orders/").json()
    assert listed["count"] == 0 and listed["results"] == []
    assert api.get("/api/v1/portal/home/").json()["open_orders"] == []
    # Nonsense ids are 404 too, never a 500.
    assert client.get("/portal/orders/not-a-uuid/").status_code == 404


def test_tenant_a_session_and_token_are_useless_on_tenant_b(tenant_a, tenant_b):
    anna = portal_customer(tenant_a)
    other = portal_customer(tenant_b, name="Someone Else")  # the same phone on B
    ours = order_for(tenant_a, anna)
    theirs = order_for(tenant_b, other)
    client = signed_in(tenant_a)
    access = portal_tokens(tenant_a).json()["access"]
    b_host = host_of(tenant_b)
    for url in (
        "/portal/",
        "/portal/orders/",
        f"/portal/orders/{theirs.pk}/",
        f"/portal/orders/{theirs.pk}/pdf/",
    ):
        response = client.get(url, HTTP_HOST=b_host)
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/"), (
            url
        )
    response = client.post(f"/portal/orders/{theirs.pk}/cancel/", HTTP_HOST=b_host)
    assert response.status_code in (302, 403)
    assert status_of(tenant_b, theirs) == "new"
    b_api = bearer(access, b_host)
    for url in (
        "/api/v1/portal/orders/",
        f"/api/v1/portal/orders/{theirs.pk}/",
        "/api/v1/portal/home/",
    ):
        assert_error(b_api.get(url), 401, "token_not_valid")
    # A's ids on A's host still answer for A.
    assert (
        bearer(access, host_of(tenant_a)).get(f"/api/v1/portal/orders/{ours.pk}/").status_code
        == 200
    )


def test_with_portal_off_every_page_and_endpoint_is_404(tenant_a):
    anna = portal_customer(tenant_a)
    order = order_for(tenant_a, anna)
    client = signed_in(tenant_a)
    api = portal_bearer(tenant_a)
    module_off(tenant_a)
    for url in (
        "/portal/",
        "/portal/orders/",
        f"/portal/orders/{order.pk}/",
        f"/portal/orders/{order.pk}/pdf/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/portal/orders/{order.pk}/cancel/").status_code == 404
    for url in (
        "/api/v1/portal/orders/",
        f"/api/v1/portal/orders/{order.pk}/",
        "/api/v1/portal/home/",
    ):
        assert api.get(url).status_code == 404, url
    assert api.post(f"/api/v1/portal/orders/{order.pk}/cancel/").status_code == 404
    assert status_of(tenant_a, order) == "new"


def test_until_the_sms_password_is_changed_pages_redirect_and_the_api_refuses(tenant_a):
    anna = portal_customer(tenant_a, first_login=True)
    order = order_for(tenant_a, anna)
    client, _response = portal_login(tenant_a)
    for url in (
        "/portal/",
        "/portal/orders/",
        f"/portal/orders/{order.pk}/",
        f"/portal/orders/{order.pk}/pdf/",
    ):
        assert client.get(url)["Location"] == "/portal/password/", url
    assert client.post(f"/portal/orders/{order.pk}/cancel/")["Location"] == "/portal/password/"
    access = portal_tokens(tenant_a).json()["access"]
    api = bearer(access, host_of(tenant_a))
    for url in (
        "/api/v1/portal/orders/",
        f"/api/v1/portal/orders/{order.pk}/",
        "/api/v1/portal/home/",
        f"/api/v1/portal/orders/{order.pk}/pdf/",
    ):
        assert_error(api.get(url), 403, "password_change_required")
    assert_error(
        api.post(f"/api/v1/portal/orders/{order.pk}/cancel/"), 403, "password_change_required"
    )
    assert status_of(tenant_a, order) == "new"


def test_signed_out_visitors_go_to_the_login_page(tenant_a):
    anna = portal_customer(tenant_a)
    order = order_for(tenant_a, anna)
    from django.test import Client

    client = Client(HTTP_HOST=host_of(tenant_a))
    response = client.get(f"/portal/orders/{order.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/login/?next=%2Fportal%2Forders%2F{order.pk}%2F"
    assert client.get(f"/api/v1/portal/orders/{order.pk}/").status_code == 401


# --- the API -----------------------------------------------------------------------------------


def test_api_lists_own_orders_paged_and_filtered(tenant_a):
    anna, bob = two_customers(tenant_a)
    orders = [order_for(tenant_a, anna) for _ in range(27)]
    move(tenant_a, orders[0], "cancelled")
    order_for(tenant_a, bob)
    api = portal_bearer(tenant_a)
    body = api.get("/api/v1/portal/orders/").json()
    assert body["count"] == 27 and len(body["results"]) == 25 and body["next"]
    row = body["results"][0]
    assert row["id"] == str(orders[-1].pk) and row["number"] == orders[-1].number
    assert row["status"] == "new" and row["status_label"] == "New"
    assert set(row) == {
        "id", "number", "status", "status_label", "created_at", "delivery_date",
        "tracking_number", "total_net", "total_vat", "total_gross",
    }  # fmt: skip
    assert api.get("/api/v1/portal/orders/", {"status": "open"}).json()["count"] == 26
    cancelled = api.get("/api/v1/portal/orders/", {"status": "cancelled"}).json()
    assert [r["id"] for r in cancelled["results"]] == [str(orders[0].pk)]
    error = assert_error(api.get("/api/v1/portal/orders/", {"status": "nope"}), 400, "invalid")
    assert "status" in error["fields"]


def test_api_detail_holds_lines_totals_history_and_nothing_internal(tenant_a):
    anna = portal_customer(tenant_a)
    manager = staff_user(tenant_a, "manager")
    order = order_for(
        tenant_a,
        anna,
        f.LineFactory(
            description="Gravel", quantity="3", unit="t", unit_price="50.00", vat_rate="8"
        ),
        metadata={"internal": "margin 30%"},
        assigned_to=manager.pk,
    )
    with tenant_context(tenant_a):
        from tenant_apps.sales.services import order_transition

        order_transition(order=order, to="confirmed", actor=staff_actor(manager), note="staff only")
    move(tenant_a, order, "in_progress", "shipped")
    body = portal_bearer(tenant_a).get(f"/api/v1/portal/orders/{order.pk}/").json()
    assert body["number"] == order.number and body["status"] == "shipped"
    assert body["tracking_number"] == "TRACK-1"
    [line] = body["lines"]
    assert line["description"] == "Gravel" and line["quantity"] == "3.000" and line["unit"] == "t"
    assert line["total_net"] == "150.00" and line["total_gross"] == "162.00"
    assert body["vat_summary"] == [
        {"rate": "8", "net": "150.00", "vat": "12.00", "gross": "162.00"}
    ]
    assert body["total_gross"] == "162.00"
    assert [h["to_status"] for h in body["history"]] == [
        "new",
        "confirmed",
        "in_progress",
        "shipped",
    ]
    assert {h["by"] for h in body["history"]} == {"us"}
    assert all(h["note"] == "" for h in body["history"])
    assert body["can_cancel"] is False
    raw = str(body)
    for leak in ("assigned_to", "metadata", "margin", "staff only", manager.name, "actor"):
        assert leak not in raw, leak


def test_api_cancel_while_new_and_409_after(tenant_a):
    anna = portal_customer(tenant_a)
    order = order_for(tenant_a, anna)
    confirmed = order_for(tenant_a, anna)
    move(tenant_a, confirmed, "confirmed")
    api = portal_bearer(tenant_a)
    assert api.get(f"/api/v1/portal/orders/{order.pk}/").json()["can_cancel"] is True
    response = api.post(
        f"/api/v1/portal/orders/{order.pk}/cancel/", {"reason": "Not needed"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled" and body["can_cancel"] is False
    assert body["history"][-1] == {**body["history"][-1], "by": "you", "note": "Not needed"}
    with tenant_context(tenant_a):
        event = EventLog.objects.get(event_type="order.cancelled", entity_id=order.pk)
        assert event.actor_type == "customer" and event.user_id == anna.pk
    error = conflict(
        api.post(f"/api/v1/portal/orders/{confirmed.pk}/cancel/", {}, format="json"),
        "not_cancellable",
    )
    assert "can no longer be cancelled" in error["message"] and error["status"] == "confirmed"
    conflict(
        api.post(f"/api/v1/portal/orders/{order.pk}/cancel/", {}, format="json"),
        "already_cancelled",
    )
    # The status the customer saw, when it is not the order's any more: 409 as well.
    stale = order_for(tenant_a, anna)
    move(tenant_a, stale, "confirmed")
    conflict(
        api.post(
            f"/api/v1/portal/orders/{stale.pk}/cancel/", {"expected_status": "new"}, format="json"
        ),
        "not_cancellable",
    )
    bad = assert_error(
        api.post(
            f"/api/v1/portal/orders/{stale.pk}/cancel/", {"expected_status": "x"}, format="json"
        ),
        400,
        "invalid",
    )
    assert "expected_status" in bad["fields"]
    fields = assert_error(
        api.post(
            f"/api/v1/portal/orders/{confirmed.pk}/cancel/",
            {"reason": "x" * 501},
            format="json",
        ),
        400,
        "invalid",
    )["fields"]
    assert "reason" in fields
    unknown = api.post(f"/api/v1/portal/orders/{confirmed.pk}/cancel/", {"extra": 1}, format="json")
    assert "extra" in assert_error(unknown, 400, "invalid")["fields"]
    assert status_of(tenant_a, confirmed) == "confirmed"


def test_api_pdf_and_home(tenant_a):
    anna = portal_customer(tenant_a)
    order = order_for(tenant_a, anna)
    manager = staff_user(tenant_a, "manager")
    with tenant_context(tenant_a):
        quote = f.QuoteFactory.create(customer=anna)
        quote_send(quote=quote, actor=staff_actor(manager), email=False)
        message_send(customer=anna, body="Hello", actor=staff_actor(manager))
    api = portal_bearer(tenant_a)
    home = api.get("/api/v1/portal/home/").json()
    assert home["name"] == "Anna Kowalska"
    assert [o["id"] for o in home["open_orders"]] == [str(order.pk)]
    assert home["open_orders_count"] == 1
    assert home["waiting_quotes_count"] == 1 and home["waiting_quotes"][0]["number"] == quote.number
    assert home["unread_messages"] == 1
    if documents.pdf_status().available:
        response = api.get(f"/api/v1/portal/orders/{order.pk}/pdf/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_the_portal_api_is_in_the_schema_under_portal(tenant_a):
    from django.test import Client

    schema = Client(HTTP_HOST=host_of(tenant_a)).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path, method in (
        ("/api/v1/portal/orders/", "get"),
        ("/api/v1/portal/orders/{id}/", "get"),
        ("/api/v1/portal/orders/{id}/cancel/", "post"),
        ("/api/v1/portal/orders/{id}/pdf/", "get"),
        ("/api/v1/portal/home/", "get"),
    ):
        assert paths[path][method]["tags"] == ["portal"], path
