"""The line editor of orders and quotes: suggestions, a line filled from its product by the
input layer, recompute with the services' rounding and per-line errors, save all or
nothing, edit only while new / draft, query counts and tenant isolation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from dockpulse.actors import SYSTEM
from dockpulse.tenancy import tenant_context, tenant_today
from tenant_apps.sales import services
from tenant_apps.sales.models import Order, Quote
from tenant_apps.sales.services.lines import line_amounts
from tenant_apps.sales.services.quotes import DEFAULT_VALIDITY_DAYS
from tests import factories as f
from tests.support import host_of, html, make_order, move, panel_client, seed, staff_user

pytestmark = pytest.mark.django_db(databases="__all__")


def line(key: str, **values: str) -> dict[str, str]:
    return {f"line-{key}-{name}": value for name, value in values.items()}


def editor_post(customer: Any = None, *lines: tuple[str, dict[str, str]], **header: str) -> dict:
    data: dict[str, Any] = {"customer": str(customer.pk) if customer else "", **header}
    data["line"] = [key for key, _values in lines]
    for key, values in lines:
        data.update(line(key, **values))
    return data


def total_of(page: str, key: str) -> str:
    match = re.search(rf'<output id="line-{key}-total"[^>]*>(.*?)</output>', page, re.S)
    assert match, page
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).replace("\xa0", " ").split())


def errors_of(page: str, key: str, name: str) -> str:
    pattern = rf'<ul class="errorlist line-errors" id="line-{key}-{name}-error"[^>]*>(.*?)</ul>'
    match = re.search(pattern, page, re.S)
    assert match, (key, name)
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip()


def grand(page: str, which: str) -> str:
    match = re.search(rf'data-total="{which}">(?:<strong>)?([^<]+)<', page)
    assert match, page
    return match.group(1).replace("\xa0", " ")


def orders(tenant: Any) -> int:
    with tenant_context(tenant):
        return Order.objects.count()


# --- recompute ---------------------------------------------------------------------------


def test_recompute_uses_the_services_rounding_and_sums_per_vat_rate(tenant_a):
    data = seed(tenant_a)
    client = panel_client(tenant_a, "employee")
    body = editor_post(
        data["customer"],
        ("a1", {"description": "Hours", "quantity": "3", "unit_price": "33.33",
                "discount": "10", "vat_rate": "23", "unit": "h"}),
        ("b2", {"product": str(data["P2"].pk), "quantity": "2,5"}),
    )  # fmt: skip
    response = client.post("/sales/editor/recompute/", body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = html(response)
    # 3 x 33.33 = 99.99, -10 % = 89.991 -> 89.99 net; VAT 23 % = 20.6977 -> 20.70.
    expected = line_amounts(quantity=Decimal(3), unit_price=Decimal("33.33"),
                            discount=Decimal(10), vat_rate="23")  # fmt: skip
    assert (expected.net, expected.vat) == (Decimal("89.99"), Decimal("20.70"))
    assert total_of(page, "a1") == "PLN 89.99 PLN 110.69"
    # 2.5 kg of P2 at 4.10 with 5 % VAT: the product's price and rate, filled in by the inputs.
    assert total_of(page, "b2") == "PLN 10.25 PLN 10.76"
    assert grand(page, "net") == "PLN 100.24"
    assert grand(page, "vat") == "PLN 21.21"
    assert grand(page, "gross") == "PLN 121.45"
    assert "23%" in page and "5%" in page
    assert 'hx-swap-oob="true"' in page


def test_a_bad_quantity_is_an_error_on_its_own_line_and_the_others_still_count(tenant_a):
    data = seed(tenant_a)
    client = panel_client(tenant_a)
    body = editor_post(
        data["customer"],
        ("ok1", {"product": str(data["P1"].pk), "quantity": "2"}),
        ("bad2", {"product": str(data["P1"].pk), "quantity": "-3"}),
        ("blank", {}),  # an untouched new line is no error
    )
    page = html(client.post("/sales/editor/recompute/", body, HTTP_HX_REQUEST="true"))
    assert errors_of(page, "bad2", "quantity")
    assert errors_of(page, "ok1", "quantity") == ""
    assert errors_of(page, "blank", "quantity") == ""
    assert total_of(page, "bad2") == "—"
    assert total_of(page, "ok1") == "PLN 39.98 PLN 49.18"
    assert grand(page, "gross") == "PLN 49.18"
    assert "left out of the totals" in page


def test_recompute_of_50_lines_reads_the_products_once(tenant_a):
    data = seed(tenant_a)
    client = panel_client(tenant_a)
    products = [data["P1"], data["P2"], data["P3"]]
    body = editor_post(
        data["customer"],
        *(
            (f"k{i}", {"product": str(products[i % 3].pk), "quantity": str(i + 1)})
            for i in range(50)
        ),
    )
    client.post("/sales/editor/recompute/", body, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connections[tenant_a.alias]) as queries:
        response = client.post("/sales/editor/recompute/", body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    product_queries = [q for q in queries.captured_queries if 'FROM "products"' in q["sql"]]
    assert len(product_queries) == 1, product_queries


# --- suggestions and a picked product ----------------------------------------------------


def test_suggestions_show_this_tenants_customers_and_active_products_only(tenant_a, tenant_b):
    seed(tenant_a)
    with tenant_context(tenant_b):
        f.CustomerFactory.create(name="Anna Obca")
        f.ProductFactory.create(code="PB1", name="Product Obcy")
    with tenant_context(tenant_a):
        f.ProductFactory.create(code="POLD", name="Product Old", is_active=False)
    client = panel_client(tenant_a)
    customers = html(client.get("/sales/editor/customers/", {"customer_q": "Anna"}))
    assert "Anna Kowalska" in customers and "Anna Obca" not in customers
    assert 'data-pick data-id="' in customers
    products = html(
        client.get("/sales/editor/products/", {"key": "k1", "line-k1-product_q": "Product"})
    )
    assert "P1 · Product P1" in products and "P2 · Product P2" in products
    assert "Obcy" not in products and "POLD" not in products
    assert client.get("/sales/editor/products/", {"key": "../x"}).status_code == 404


def test_picking_a_product_fills_the_line_with_the_inputs_defaults(tenant_a):
    data = seed(tenant_a)
    client = panel_client(tenant_a)
    response = client.get("/sales/editor/line/", {
        "key": "k1", "line": "k1", "line-k1-product": str(data["P2"].pk), "line-k1-quantity": "",
        "line-k1-description": "", "line-k1-discount": "",
    })  # fmt: skip
    page = html(response)
    assert response.status_code == 200
    assert 'value="Product P2"' in page  # the description
    assert 'value="4.1"' in page  # the unit net price
    assert 'value="1"' in page  # a quantity to start from
    assert re.search(r'<option value="kg" selected>', page)
    assert re.search(r'<option value="5" selected>', page)
    assert "data-line-focus" in page  # the quantity takes the focus next


def test_a_product_of_another_tenant_cannot_be_picked_or_saved(tenant_a, tenant_b):
    data = seed(tenant_a)
    with tenant_context(tenant_b):
        theirs = f.ProductFactory.create(code="PB1", name="Product Obcy", price="1.00")
    client = panel_client(tenant_a)
    page = html(client.get("/sales/editor/line/", {
        "key": "k1", "line": "k1", "line-k1-product": str(theirs.pk), "line-k1-quantity": "1",
    }))  # fmt: skip
    assert "There is no such product." in page and "Obcy" not in page
    body = editor_post(data["customer"], ("k1", {"product": str(theirs.pk), "quantity": "1"}))
    response = client.post("/orders/new/", body)
    assert response.status_code == 400
    assert "There is no such product." in html(response)
    assert orders(tenant_a) == 0


def test_a_new_blank_line_gets_a_fresh_key(tenant_a):
    client = panel_client(tenant_a)
    first = html(client.get("/sales/editor/line/"))
    second = html(client.get("/sales/editor/line/"))
    key = re.search(r'name="line" value="([a-z0-9]+)"', first)
    assert key and key.group(1) not in second


def test_the_address_follows_the_picked_customer(tenant_a):
    data = seed(tenant_a)
    client = panel_client(tenant_a)
    page = html(client.get("/sales/editor/address/", {"customer": str(data["customer"].pk)}))
    assert 'value="Długa 5"' in page and 'value="Warszawa"' in page
    assert client.get("/sales/editor/address/", {"customer": "nope"}).status_code == 404


# --- save --------------------------------------------------------------------------------


def test_create_an_order_saves_everything_and_redirects_to_its_page(tenant_a):
    data = seed(tenant_a)
    client = panel_client(tenant_a, "employee")
    page = html(client.get("/orders/new/", {"customer": str(data["customer"].pk)}))
    assert 'value="Anna Kowalska"' in page and 'value="Długa 5"' in page  # preselected
    body = editor_post(
        data["customer"],
        ("a1", {"product": str(data["P1"].pk), "quantity": "3"}),
        ("b2", {"description": "Transport", "quantity": "1", "unit_price": "50", "unit": "szt",
                "vat_rate": "8"}),
        customer_q="Anna Kowalska", delivery_date="2026-12-24", delivery_street="Krótka 1",
        delivery_postal_code="00-002", delivery_city="Kraków", delivery_country="PL",
        notes="Ring twice", assigned_to="",
    )  # fmt: skip
    response = client.post("/orders/new/", body)
    assert response.status_code == 302, html(response)
    with tenant_context(tenant_a):
        order = Order.objects.get()
        lines = list(order.lines.order_by("position"))
    assert response["Location"] == f"/orders/{order.pk}/"
    assert order.source == "admin" and order.assigned_to_id is None
    assert order.delivery_date == dt.date(2026, 12, 24)
    assert order.delivery_address == {"street": "Krótka 1", "postal_code": "00-002",
                                      "city": "Kraków", "country": "PL"}  # fmt: skip
    assert [(x.description, x.quantity) for x in lines] == [
        ("Product P1", Decimal("3.000")), ("Transport", Decimal("1.000"))]  # fmt: skip
    assert order.total_gross == Decimal("73.76") + Decimal("54.00")
    assert "created" in html(client.get(response["Location"]))


def test_a_bad_line_re_renders_the_editor_with_the_error_on_that_line_and_saves_nothing(tenant_a):
    data = seed(tenant_a)
    client = panel_client(tenant_a)
    body = editor_post(
        data["customer"],
        ("good", {"product": str(data["P1"].pk), "quantity": "2"}),
        ("bad", {"product": str(data["P2"].pk), "quantity": "abc"}),
        ("worse", {"description": "", "quantity": "1", "unit_price": "5"}),
        delivery_date="not a date",
    )
    response = client.post("/orders/new/", body)
    assert response.status_code == 400
    page = html(response)
    assert errors_of(page, "bad", "quantity")
    assert errors_of(page, "good", "quantity") == ""
    assert "Choose a product or describe the line." in errors_of(page, "worse", "description")
    assert 'id="id_line-bad-quantity" name="line-bad-quantity" value="abc"' in page
    assert re.search(r'id="id_line-bad-quantity"[^>]*aria-invalid="true"', page)
    assert "Enter a date as YYYY-MM-DD." in page
    assert orders(tenant_a) == 0


def test_a_missing_customer_and_no_lines_are_named(tenant_a):
    client = panel_client(tenant_a)
    response = client.post("/orders/new/", editor_post(None, ("x", {})))
    assert response.status_code == 400
    page = html(response)
    assert "This field is required." in page and "Add at least one line." in page
    assert orders(tenant_a) == 0


def test_edit_a_new_order_replaces_its_lines_and_a_confirmed_one_is_refused(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    client = panel_client(tenant_a, "manager")
    page = html(client.get(f"/orders/{order.pk}/edit/"))
    assert "P1 · Product P1" in page and 'value="19.99"' in page
    body = editor_post(data["customer"], ("n1", {"product": str(data["P3"].pk), "quantity": "10"}),
                       delivery_city="Gdańsk")  # fmt: skip
    response = client.post(f"/orders/{order.pk}/edit/", body)
    assert response.status_code == 302, html(response)
    with tenant_context(tenant_a):
        order.refresh_from_db()
        assert [x.description for x in order.lines.all()] == ["Product P3"]
    assert order.total_gross == Decimal("0.50") and order.delivery_address == {"city": "Gdańsk"}

    move(tenant_a, order, "confirmed")
    response = client.get(f"/orders/{order.pk}/edit/", follow=True)
    assert "Only new orders can be changed; this one is Confirmed." in html(response)
    response = client.post(f"/orders/{order.pk}/edit/", body)
    assert response.status_code == 409
    assert "Only new orders can be changed; this one is Confirmed." in html(response)
    with tenant_context(tenant_a):
        assert order.lines.count() == 1


def test_an_employee_may_create_but_not_edit_orders(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    client = panel_client(tenant_a, "employee")
    assert client.get("/orders/new/").status_code == 200
    assert client.get(f"/orders/{order.pk}/edit/").status_code == 403
    assert client.get("/quotes/new/").status_code == 403


def test_create_a_quote_through_the_editor(tenant_a):
    data = seed(tenant_a)
    client = panel_client(tenant_a, "manager")
    page = html(client.get("/quotes/new/"))
    with tenant_context(tenant_a):
        today = tenant_today()
    default = (today + dt.timedelta(days=DEFAULT_VALIDITY_DAYS)).isoformat()
    assert f'name="valid_until" value="{default}"' in page
    assert "delivery_street" not in page
    wanted = {"product": str(data["P1"].pk), "quantity": "4", "discount": "5"}
    body = editor_post(data["customer"], ("q1", wanted), valid_until=default)
    response = client.post("/quotes/new/", body)
    assert response.status_code == 302, html(response)
    with tenant_context(tenant_a):
        quote = Quote.objects.get()
    assert response["Location"] == f"/quotes/{quote.pk}/"
    assert quote.valid_until.isoformat() == default and quote.status == "draft"
    assert quote.total_net == Decimal("75.96")  # 4 x 19.99 - 5 %

    past = (today - dt.timedelta(days=1)).isoformat()
    response = client.post(f"/quotes/{quote.pk}/edit/", {**body, "valid_until": past})
    assert response.status_code == 400
    assert "The date cannot be in the past." in html(response)


def test_editor_pages_and_fragments_are_this_tenants_only(tenant_a, tenant_b):
    seed(tenant_b)
    theirs = make_order(tenant_b, seed(tenant_b), ("Item", "1"))
    with tenant_context(tenant_b):
        their_quote = f.QuoteFactory.create(customer=f.CustomerFactory.create())
    client = panel_client(tenant_a)
    assert client.get(f"/orders/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/orders/{theirs.pk}/edit/", {}).status_code == 404
    assert client.get(f"/quotes/{their_quote.pk}/edit/").status_code == 404
    their_customer = seed(tenant_b)["customer"]
    assert (
        client.get("/sales/editor/address/", {"customer": str(their_customer.pk)}).status_code
        == 404
    )
    for url in ("/orders/new/", "/sales/editor/customers/", "/sales/editor/line/",
                "/sales/editor/products/?key=k1"):  # fmt: skip
        response = client.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    response = client.post("/sales/editor/recompute/", {}, HTTP_HOST=host_of(tenant_b))
    assert response.status_code == 302


def test_the_editor_page_runs_the_same_queries_for_1_and_30_lines(tenant_a):
    data = seed(tenant_a)
    staff_user(tenant_a, "manager")
    few = make_order(tenant_a, data, (data["P1"], "1"))
    many = make_order(tenant_a, data, *((data["P1"], "1") for _ in range(30)))
    client = panel_client(tenant_a, "manager")
    client.get(f"/orders/{few.pk}/edit/")
    db = connections[tenant_a.alias]
    with CaptureQueriesContext(db) as one:
        client.get(f"/orders/{few.pk}/edit/")
    with CaptureQueriesContext(db) as thirty:
        page = html(client.get(f"/orders/{many.pk}/edit/"))
    assert page.count('name="line"') == 30
    assert len(one) == len(thirty)


def test_a_sent_quote_cannot_be_edited(tenant_a):
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        quote = f.QuoteFactory.create(customer=data["customer"])
        services.quote_send(quote=quote, actor=SYSTEM, email=False)
    client = panel_client(tenant_a, "manager")
    response = client.get(f"/quotes/{quote.pk}/edit/", follow=True)
    assert "Only a draft quote can be changed; this one is Sent." in html(response)
    body = editor_post(data["customer"], ("q1", {"product": str(data["P1"].pk), "quantity": "1"}),
                       valid_until=quote.valid_until.isoformat())  # fmt: skip
    response = client.post(f"/quotes/{quote.pk}/edit/", body)
    assert response.status_code == 409
    assert "Only a draft quote can be changed; this one is Sent." in html(response)
    with tenant_context(tenant_a):
        assert [line.description for line in quote.lines.all()] != ["Product P1"]


def test_stored_numbers_come_back_in_the_users_decimal_mark(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P2"], "2.5"))  # 2.5 kg at 4.10
    client = panel_client(tenant_a)
    polish = html(client.get(f"/orders/{order.pk}/edit/", HTTP_ACCEPT_LANGUAGE="pl"))
    assert re.search(r'name="line-[a-z0-9]+-quantity" value="2,5"', polish)
    assert re.search(r'name="line-[a-z0-9]+-unit_price" value="4,1"', polish)
    english = html(client.get(f"/orders/{order.pk}/edit/", HTTP_ACCEPT_LANGUAGE="en"))
    assert re.search(r'name="line-[a-z0-9]+-quantity" value="2.5"', english)
