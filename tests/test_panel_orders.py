"""The order pages of the staff panel: list (tabs with counts, filters, sort, pages, CSV),
detail (lines with their stock, totals per VAT rate, history, events, the moves the
user may make), transitions with their refusals in words, query counts, isolation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dockpulse.actors import staff_actor
from dockpulse.tenancy import tenant_context
from tenant_apps.sales.models import Order, OrderStatusChange
from tests import factories as f
from tests.support import (
    ROOT,
    handle,
    host_of,
    html,
    make_order,
    move,
    panel_client,
    receive,
    seed,
    staff_user,
)

pytestmark = pytest.mark.django_db(databases="__all__")


def numbers_in(page: str) -> list[str]:
    return re.findall(r'<a href="/orders/[0-9a-f-]+/">([^<]+)</a>', page)


def tab_count(page: str, label: str) -> str:
    match = re.search(rf">{label} <span class=\"count\">([^<]+)</span>", page)
    assert match, label
    return match.group(1)


def status_of(tenant: Any, order: Any) -> str:
    with tenant_context(tenant):
        return Order.objects.get(pk=order.pk).status


# --- the list ----------------------------------------------------------------------------


def test_list_tabs_count_every_status_under_the_other_filters(tenant_a):
    data = seed(tenant_a)
    first = make_order(tenant_a, data, (data["P1"], "1"))
    second = make_order(tenant_a, data, (data["P1"], "2"))
    make_order(tenant_a, data, (data["P2"], "3"))
    move(tenant_a, first, "confirmed")
    move(tenant_a, second, "cancelled")
    client = panel_client(tenant_a, "employee")
    page = html(client.get("/orders/"))
    assert tab_count(page, "All") == "3"
    assert tab_count(page, "New") == "1" and tab_count(page, "Confirmed") == "1"
    assert tab_count(page, "Cancelled") == "1" and tab_count(page, "Shipped") == "0"
    assert len(numbers_in(page)) == 3

    page = html(client.get("/orders/", {"status": "confirmed"}))
    assert numbers_in(page) == [first.number]
    assert tab_count(page, "All") == "3"  # the tabs ignore the tab itself
    assert 'aria-current="page">Confirmed' in page

    page = html(client.get("/orders/", {"q": first.number}))
    assert numbers_in(page) == [first.number]
    assert tab_count(page, "All") == "1" and tab_count(page, "New") == "0"


def test_list_filters_by_customer_date_source_and_staff(tenant_a):
    data = seed(tenant_a)
    manager = staff_user(tenant_a, "manager")
    with tenant_context(tenant_a):
        other = f.CustomerFactory.create(name="Zenon Zielony")
    mine = make_order(tenant_a, data, (data["P1"], "1"), actor=manager)
    with tenant_context(tenant_a):
        theirs = f.OrderFactory.create(customer=other, source="portal")
        old = f.OrderFactory.create(customer=other, source="api")
        Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    client = panel_client(tenant_a)
    assert numbers_in(html(client.get("/orders/", {"customer": str(other.pk)}))) == [
        theirs.number, old.number]  # fmt: skip
    page = html(client.get("/orders/", {"customer": str(other.pk)}))
    assert 'value="Zenon Zielony"' in page  # the picker shows whom it filters by
    assert numbers_in(html(client.get("/orders/", {"source": "portal"}))) == [theirs.number]
    assert numbers_in(html(client.get("/orders/", {"assigned_to": str(manager.pk)}))) == [
        mine.number]  # fmt: skip
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    recent = numbers_in(html(client.get("/orders/", {"created_from": since})))
    assert old.number not in recent and len(recent) == 2
    until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert numbers_in(html(client.get("/orders/", {"created_to": until}))) == [old.number]
    # A bad value is ignored rather than an error page.
    assert client.get("/orders/", {"created_from": "soon", "customer": "x"}).status_code == 200


def test_list_sorts_and_answers_htmx_with_the_results_only(tenant_a):
    data = seed(tenant_a)
    small = make_order(tenant_a, data, (data["P3"], "1"))
    big = make_order(tenant_a, data, (data["P1"], "10"))
    client = panel_client(tenant_a)
    assert numbers_in(html(client.get("/orders/", {"sort": "gross"}))) == [small.number, big.number]
    assert numbers_in(html(client.get("/orders/", {"sort": "-gross"}))) == [
        big.number,
        small.number,
    ]
    assert numbers_in(html(client.get("/orders/", {"sort": "created"}))) == [
        small.number,
        big.number,
    ]
    assert numbers_in(html(client.get("/orders/"))) == [big.number, small.number]  # newest first
    assert numbers_in(html(client.get("/orders/", {"sort": "nope"}))) == [big.number, small.number]
    partial = html(client.get("/orders/", {"q": small.number}, HTTP_HX_REQUEST="true"))
    assert partial.lstrip().startswith('<section id="order-results"')
    assert "<html" not in partial and numbers_in(partial) == [small.number]


def test_list_pages_through_many_orders(tenant_a):
    data = seed(tenant_a)
    for _ in range(27):
        make_order(tenant_a, data, ("Item", "1"))
    client = panel_client(tenant_a)
    first = html(client.get("/orders/"))
    assert "1\N{EN DASH}25 of 27" in first and 'rel="next"' in first
    assert len(numbers_in(html(client.get("/orders/", {"page": 2})))) == 2


def test_export_is_the_filtered_list_as_csv(tenant_a):
    data = seed(tenant_a)
    one = make_order(tenant_a, data, (data["P1"], "1"))
    two = make_order(tenant_a, data, (data["P1"], "2"))
    move(tenant_a, two, "confirmed")
    client = panel_client(tenant_a)
    response = client.get("/orders/export.csv", {"status": "confirmed"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig").splitlines()
    assert body[0].startswith("number;created_at;status;customer")
    assert len(body) == 2 and body[1].startswith(f"{two.number};") and ";confirmed;" in body[1]
    everything = client.get("/orders/export.csv", {"sort": "number"}).content.decode("utf-8-sig")
    assert [row.split(";")[0] for row in everything.splitlines()[1:]] == sorted(
        [one.number, two.number])  # fmt: skip
    assert "Anna Kowalska" in everything and "49.18" in everything


def test_list_and_detail_run_the_same_queries_for_1_and_30(tenant_a, django_assert_num_queries):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "5")
    client = panel_client(tenant_a, "manager")
    db = connections[tenant_a.alias]

    few = make_order(tenant_a, data, (data["P1"], "1"))
    handle(tenant_a, few)
    client.get("/orders/")
    client.get(f"/orders/{few.pk}/")
    with CaptureQueriesContext(db) as list_one:
        client.get("/orders/", {"status": ""})
    with CaptureQueriesContext(db) as detail_one:
        client.get(f"/orders/{few.pk}/")

    many = make_order(tenant_a, data, *((data["P1"], "1") for _ in range(30)))
    handle(tenant_a, many)
    for _ in range(28):
        make_order(tenant_a, data, ("Item", "1"))
    with django_assert_num_queries(len(list_one), connection=db):
        page = html(client.get("/orders/", {"status": ""}))
    assert len(numbers_in(page)) == 25
    with django_assert_num_queries(len(detail_one), connection=db):
        page = html(client.get(f"/orders/{many.pk}/"))
    assert page.count("reserved</span>") + page.count("backordered</span>") >= 30


# --- the detail page ---------------------------------------------------------------------


def test_detail_shows_lines_stock_totals_history_and_events(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "2")
    order = make_order(tenant_a, data, (data["P1"], "3"), (data["P2"], "1"), ("Montaż", "2"))
    handle(tenant_a, order)
    move(tenant_a, order, "confirmed")
    client = panel_client(tenant_a, "manager")
    page = html(client.get(f"/orders/{order.pk}/"))
    assert order.number in page and "Anna Kowalska" in page and "Długa 5" in page
    assert "Product P1" in page and "Montaż" in page
    assert "2 reserved" in page and "1 backordered" in page  # 3 of P1, 2 on hand
    assert "PLN\xa073.76" in page  # the P1 line's gross
    assert "23%" in page and "5%" in page
    assert re.search(r"status-new\">New</span> → <span class=\"pill status-confirmed\">Confirmed",
                     page)  # fmt: skip
    assert "Order confirmed" in page and "order.confirmed" in page  # the events (managers)
    assert "Stock reserved" in page  # stock's event, named as stock declared it
    employee = html(panel_client(tenant_a, "employee").get(f"/orders/{order.pk}/"))
    assert "order.confirmed" not in employee  # the audit trail is for managers


def test_detail_without_stock_shows_no_stock_column(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@stock", is_enabled=False)
    page = html(panel_client(tenant_a).get(f"/orders/{order.pk}/"))
    assert "reserved" not in page and ">Stock<" not in page


def test_the_pdf_link_is_there_when_the_documents_part_is(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    page = html(panel_client(tenant_a).get(f"/orders/{order.pk}/"))
    if (ROOT / "templates" / "sales" / "pdf" / "link.html").exists():
        assert f"/orders/{order.pk}/pdf/" in page
    else:  # built in parallel: the page must not break meanwhile
        assert "/pdf/" not in page


# --- moves --------------------------------------------------------------------------------


def buttons(page: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="to" value="([a-z_]+)">', page)


def test_the_page_offers_exactly_the_moves_of_the_users_role(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    manager, employee = panel_client(tenant_a, "manager"), panel_client(tenant_a, "employee")
    assert buttons(html(manager.get(f"/orders/{order.pk}/"))) == ["confirmed", "cancelled"]
    assert buttons(html(employee.get(f"/orders/{order.pk}/"))) == []
    move(tenant_a, order, "confirmed")
    assert buttons(html(employee.get(f"/orders/{order.pk}/"))) == ["in_progress"]
    assert buttons(html(manager.get(f"/orders/{order.pk}/"))) == ["in_progress", "cancelled"]
    move(tenant_a, order, "in_progress", "shipped", "delivered")
    assert buttons(html(manager.get(f"/orders/{order.pk}/"))) == []


def test_an_employee_cannot_confirm_even_by_posting(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    client = panel_client(tenant_a, "employee")
    response = client.post(
        f"/orders/{order.pk}/transition/", {"to": "confirmed", "expected_status": "new"}
    )
    assert response.status_code == 403
    assert "Your role cannot make this change." in html(response)
    assert status_of(tenant_a, order) == "new"


def test_confirm_start_ship_deliver_through_the_page(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    client = panel_client(tenant_a, "manager")
    url = f"/orders/{order.pk}/transition/"
    response = client.post(url, {"to": "confirmed", "expected_status": "new"})
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert "The order is now Confirmed." in html(client.get(response["Location"]))
    assert (
        client.post(url, {"to": "in_progress", "expected_status": "confirmed"}).status_code == 302
    )

    response = client.post(url, {"to": "shipped", "expected_status": "in_progress"})
    assert response.status_code == 400
    assert "Enter the shipment&#x27;s tracking number." in html(response)
    assert status_of(tenant_a, order) == "in_progress"
    response = client.post(url, {"to": "shipped", "expected_status": "in_progress",
                                 "tracking_number": "PL123"})  # fmt: skip
    assert response.status_code == 302
    page = html(client.get(f"/orders/{order.pk}/"))
    assert "PL123" in page and buttons(page) == ["delivered"]
    assert client.post(url, {"to": "delivered", "expected_status": "shipped"}).status_code == 302
    with tenant_context(tenant_a):
        assert [c.to_status for c in OrderStatusChange.objects.filter(order=order)
                .order_by("created_at")] == ["new", "confirmed", "in_progress", "shipped",
                                             "delivered"]  # fmt: skip


def test_a_double_click_is_the_same_move_once(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    client = panel_client(tenant_a, "manager")
    url = f"/orders/{order.pk}/transition/"
    for _ in range(2):
        response = client.post(url, {"to": "confirmed", "expected_status": "new"})
        assert response.status_code == 302
    with tenant_context(tenant_a):
        assert OrderStatusChange.objects.filter(order=order, to_status="confirmed").count() == 1


def test_cancel_needs_a_reason_and_keeps_it_in_the_history(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    client = panel_client(tenant_a, "manager")
    url = f"/orders/{order.pk}/transition/"
    response = client.post(url, {"to": "cancelled", "expected_status": "new", "note": " "})
    assert response.status_code == 400
    assert "Say why the order is cancelled." in html(response)
    assert status_of(tenant_a, order) == "new"
    assert client.post(url, {"to": "cancelled", "expected_status": "new",
                             "note": "Customer changed their mind"}).status_code == 302  # fmt: skip
    assert "Customer changed their mind" in html(client.get(f"/orders/{order.pk}/"))


def test_a_stale_click_says_who_moved_the_order_and_changes_nothing(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    anna = staff_user(tenant_a, "admin")
    move(tenant_a, order, "confirmed", actor=staff_actor(anna))
    client = panel_client(tenant_a, "manager")
    # The manager's page still showed "new": both of its buttons now come too late.
    response = client.post(f"/orders/{order.pk}/transition/", {"to": "cancelled",
                           "expected_status": "new", "note": "Too late"})  # fmt: skip
    assert response.status_code == 409
    page = html(response)
    with tenant_context(tenant_a):
        last = OrderStatusChange.objects.filter(order=order).latest("created_at")
    when = timezone.localtime(last.created_at, ZoneInfo(tenant_a.time_zone)).strftime("%H:%M")
    said = (
        "Someone else already changed this order: it is now Confirmed "
        f"({anna.get_full_name()}, {when})"
    )
    assert said in page
    assert "Reload to see it." in page
    assert status_of(tenant_a, order) == "confirmed"
    # An illegal move is a conflict in words too, never a 500.
    response = client.post(f"/orders/{order.pk}/transition/", {"to": "delivered",
                           "expected_status": "confirmed"})  # fmt: skip
    assert response.status_code == 409
    assert "An order that is Confirmed cannot become Delivered." in html(response)
    assert client.post(f"/orders/{order.pk}/transition/", {"to": "bogus"}).status_code == 400
    assert client.get(f"/orders/{order.pk}/transition/").status_code == 405


# --- isolation -----------------------------------------------------------------------------


def test_order_pages_are_this_tenants_only(tenant_a, tenant_b):
    theirs = make_order(tenant_b, seed(tenant_b), ("Secret item", "1"))
    seed(tenant_a)
    client = panel_client(tenant_a)
    assert client.get(f"/orders/{theirs.pk}/").status_code == 404
    response = client.post(f"/orders/{theirs.pk}/transition/", {"to": "confirmed"})
    assert response.status_code == 404
    assert status_of(tenant_b, theirs) == "new"
    assert theirs.number not in html(client.get("/orders/"))
    assert theirs.number not in client.get("/orders/export.csv").content.decode("utf-8-sig")
    for url in ("/orders/", f"/orders/{theirs.pk}/", "/orders/export.csv"):
        response = client.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_nav_search_and_dashboard_lead_to_the_orders(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    client = panel_client(tenant_a, "manager")
    home = html(client.get("/"))
    assert '<a href="/orders/"' in home
    assert "/orders/?status=new" in home
    hits = html(client.get("/search/", {"q": order.number}, HTTP_HX_REQUEST="true"))
    assert f"/orders/{order.pk}/" in hits
    customer = html(client.get(f"/orders/for-customer/{data['customer'].pk}/"))
    assert f"/orders/new/?customer={data['customer'].pk}" in customer
    assert f"/orders/{order.pk}/" in customer


def test_totals_in_polish(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "100"))
    client = panel_client(tenant_a, "manager")
    client.post("/language/", {"language": "pl", "next": "/"})
    page = html(client.get(f"/orders/{order.pk}/"))
    assert "1\xa0999,00\xa0zł" in page  # net
    assert order.total_gross == Decimal("2458.77")
    client.post("/language/", {"language": "en", "next": "/"})
