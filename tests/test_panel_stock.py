"""The stock pages of the staff panel: levels (filters, low ones, the threshold in its row),
receive and adjust through the API's input layer and services (errors on their fields,
nothing written), the movement ledger, warehouses, the role matrix (employees receive but
do not adjust), query counts, the module switch and tenant isolation."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from dockpulse import extensions
from dockpulse.actors import SYSTEM
from dockpulse.tenancy import tenant_context
from tenant_apps.stock import services
from tenant_apps.stock.inputs import warehouse_input
from tenant_apps.stock.models import StockLevel, StockMovement, Warehouse
from tests import factories as f
from tests.support import (
    field_errors,
    handle,
    host_of,
    html,
    level_of,
    make_order,
    numbers,
    panel_client,
    receive,
    seed,
)

pytestmark = pytest.mark.django_db(databases="__all__")


def codes(page: str) -> list[str]:
    """The product codes of the levels table's rows, in order."""
    return re.findall(r'<a class="code" href="/products/[0-9a-f-]+/">([^<]+)</a>', page)


def rows(page: str) -> list[str]:
    return re.findall(r'<tr id="level-[^"]+".*?</tr>', page, re.S)


def ledger(tenant: Any) -> list[tuple[str, D, str]]:
    with tenant_context(tenant):
        return [
            (m.kind, m.on_hand_change, m.stock_level.product.code)
            for m in StockMovement.objects.select_related("stock_level__product").order_by(
                "created_at", "pk"
            )
        ]


def levels(tenant: Any) -> list[tuple[str, str, D, D, D]]:
    with tenant_context(tenant):
        return [
            (lv.product.code, lv.warehouse.code, lv.on_hand, lv.reserved, lv.low_stock_threshold)
            for lv in StockLevel.objects.select_related("product", "warehouse").order_by("pk")
        ]


def second_warehouse(tenant: Any, code: str = "W2") -> Warehouse:
    with tenant_context(tenant):
        return services.warehouse_create(
            values=warehouse_input({"code": code, "name": f"Warehouse {code}"}), actor=SYSTEM
        )


def default_warehouse(tenant: Any) -> Warehouse:
    with tenant_context(tenant):
        return services.warehouse_default()


def set_threshold(tenant: Any, product: Any, value: str) -> None:
    level = level_of(tenant, product)
    with tenant_context(tenant):
        services.stock_level_update(level=level, low_stock_threshold=D(value), actor=SYSTEM)


# --- levels -----------------------------------------------------------------------------


def test_levels_list_filters_sorts_and_marks_low_ones(tenant_a):
    data = seed(tenant_a)
    w2 = second_warehouse(tenant_a)
    receive(tenant_a, data["P1"], "10")
    receive(tenant_a, data["P2"], "2.5")
    receive(tenant_a, data["P1"], "3", warehouse=w2)
    set_threshold(tenant_a, data["P2"], "5")  # 2.5 kg available < 5: low
    client = panel_client(tenant_a)

    def listed(**query: str) -> list[str]:
        return codes(html(client.get("/stock/", query)))

    page = html(client.get("/stock/"))
    assert codes(page) == ["P1", "P1", "P2"]
    low_rows = [row for row in rows(page) if 'class="is-low"' in row]
    assert len(low_rows) == 1 and "P2" in low_rows[0]
    # Marked in words, not by colour alone; quantities in the product's unit.
    assert '<span class="pill bad low-mark">Low</span>' in low_rows[0]
    assert '<strong>2.5</strong> <span class="unit">kg</span>' in low_rows[0]
    assert 'value="5"' in low_rows[0]  # the threshold, editable for an admin

    assert listed(q="p2") == ["P2"]
    assert listed(q="product p1") == ["P1", "P1"]  # the name too
    assert listed(warehouse=str(w2.pk)) == ["P1"]
    assert listed(low="on") == ["P2"]
    assert listed(sort="-available") == ["P1", "P1", "P2"]
    assert listed(sort="available") == ["P2", "P1", "P1"]
    assert listed(product=str(data["P2"].pk)) == ["P2"]
    assert "Only P2 Product P2" in html(client.get("/stock/", {"product": str(data["P2"].pk)}))
    assert "No stock levels match these filters." in html(client.get("/stock/", {"q": "zzz"}))

    partial = client.get("/stock/", {"q": "p2"}, HTTP_HX_REQUEST="true")
    body = html(partial)
    assert body.lstrip().startswith('<section id="level-results"') and "<html" not in body
    assert codes(body) == ["P2"] and "HX-Request" in partial["Vary"]


def test_threshold_is_changed_in_its_row_with_htmx_or_without(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "4")
    level = level_of(tenant_a, data["P1"])
    client = panel_client(tenant_a, "manager")
    url = f"/stock/levels/{level.pk}/threshold/"

    row = html(client.post(url, {"low_stock_threshold": "6", "next": "/stock/"},
                           HTTP_HX_REQUEST="true"))  # fmt: skip
    assert row.lstrip().startswith(f'<tr id="level-{level.pk}" class="is-low">')
    assert "Saved" in row and 'value="6"' in row
    assert level_of(tenant_a, data["P1"]).low_stock_threshold == D(6)

    bad = client.post(url, {"low_stock_threshold": "-1"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200  # a fragment htmx swaps in, with the error on the field
    assert "The threshold cannot be negative." in html(bad)
    assert 'aria-invalid="true"' in html(bad) and 'value="-1"' in html(bad)
    assert level_of(tenant_a, data["P1"]).low_stock_threshold == D(6)

    done = client.post(url, {"low_stock_threshold": "2,5", "next": "/stock/?low=on"})
    assert done.status_code == 302 and done["Location"] == "/stock/?low=on"
    assert level_of(tenant_a, data["P1"]).low_stock_threshold == D("2.5")
    assert "Low-stock threshold of P1 in MAIN: 2.5\xa0szt." in html(client.get("/stock/"))
    # Without JavaScript a bad value comes back on the threshold's own page.
    page = client.post(url, {"low_stock_threshold": "abc", "next": "https://evil.example/"})
    assert page.status_code == 400
    assert field_errors(html(page), "low_stock_threshold")
    assert 'href="https://evil.example/"' not in html(page)


# --- receive ----------------------------------------------------------------------------


def test_receive_through_the_form_names_the_new_on_hand(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P2"], "1")
    client = panel_client(tenant_a, "employee")
    form = html(client.get("/stock/receive/", {"product": str(data["P2"].pk)}))
    # The product prefilled (a product page can link here), its unit after the quantity,
    # the default warehouse preselected, no <select> of every product.
    assert re.search(
        rf'<input type="radio" name="product" value="{data["P2"].pk}"[^>]*checked', form
    )
    assert '<span class="input-unit" data-unit-display>kg</span>' in form
    default = default_warehouse(tenant_a)
    assert f'<option value="{default.pk}" selected>' in form
    assert 'name="product_q"' in form and '<select name="product"' not in form

    response = client.post("/stock/receive/", {
        "product": str(data["P2"].pk), "warehouse": str(default.pk), "quantity": "2,5",
        "reference": "WZ 12/2026", "reason": "",
    })  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/stock/?product={data['P2'].pk}"
    page = html(client.get(response["Location"]))
    assert "Received 2.5\xa0kg of P2 Product P2 into MAIN. On hand now: 3.5\xa0kg." in page
    assert codes(page) == ["P2"]
    with tenant_context(tenant_a):
        movement = StockMovement.objects.order_by("-created_at").first()
        assert movement is not None
        assert (movement.kind, movement.on_hand_change, movement.reference) == (
            "receipt",
            D("2.5"),
            "WZ 12/2026",
        )
        assert movement.actor_name == "Employee"


def test_receive_with_bad_input_shows_every_error_on_its_field_and_writes_nothing(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "5")
    before = (ledger(tenant_a), levels(tenant_a))
    client = panel_client(tenant_a)

    response = client.post("/stock/receive/", {"product": "", "quantity": "-3"})
    assert response.status_code == 400
    page = html(response)
    assert "This field is required." in field_errors(page, "product")
    assert "The quantity must be greater than zero." in field_errors(page, "quantity")

    page = html(client.post("/stock/receive/", {"product": str(data["P1"].pk), "quantity": "x"}))
    assert "Enter a quantity such as 2 or 1.5." in field_errors(page, "quantity")
    assert re.search(rf'value="{data["P1"].pk}"[^>]*checked', page)  # the choice is kept

    # What needs the locked level is the service's: also on the field, nothing written.
    page = html(client.post("/stock/receive/", {"product": str(data["P1"].pk),
                                                "quantity": "999999999"}))  # fmt: skip
    assert "The stock would exceed the largest quantity." in field_errors(page, "quantity")
    assert (ledger(tenant_a), levels(tenant_a)) == before


def test_receive_into_an_inactive_or_unknown_warehouse_is_refused(tenant_a):
    data = seed(tenant_a)
    w2 = second_warehouse(tenant_a)
    with tenant_context(tenant_a):
        Warehouse.objects.filter(pk=w2.pk).update(is_active=False)
    client = panel_client(tenant_a)
    form = html(client.get("/stock/receive/"))
    assert str(w2.pk) not in form  # not offered
    for warehouse, message in ((w2.pk, "This warehouse is not active."),
                               (uuid.uuid4(), "There is no such warehouse.")):  # fmt: skip
        page = html(
            client.post(
                "/stock/receive/",
                {"product": str(data["P1"].pk), "quantity": "1", "warehouse": str(warehouse)},
            )
        )
        assert message in field_errors(page, "warehouse")
    assert ledger(tenant_a) == []


def test_product_picker_searches_as_you_type_and_keeps_the_choice(tenant_a):
    with tenant_context(tenant_a):
        chosen = f.ProductFactory.create(code="ZZZ-1", name="Wybrany")
        for n in range(12):
            f.ProductFactory.create(code=f"KAW-{n:02d}", name=f"Kawa {n}", unit="kg")
    client = panel_client(tenant_a, "employee")
    fragment = html(client.get("/stock/products/", {"product_q": "kaw", "product": str(chosen.pk)},
                               HTTP_HX_REQUEST="true"))  # fmt: skip
    assert fragment.lstrip().startswith('<div id="id_product_options"')
    radios = re.findall(r'<input type="radio" name="product" value="([^"]+)"', fragment)
    assert radios[0] == str(chosen.pk) and len(radios) == 1 + 8  # the choice, then 8 matches
    assert "More products match" in fragment and 'data-unit="kg"' in fragment
    none = html(client.get("/stock/products/", {"product_q": "nic takiego"}))
    assert "No product matches “nic takiego”." in none
    # Without JavaScript: the "Find" button reloads the form with the matches.
    page = html(client.get("/stock/receive/", {"product_q": "kaw-01"}))
    assert re.findall(r'name="product" value="[^"]+"', page) and "KAW-01" in page


# --- adjust -----------------------------------------------------------------------------


def test_adjust_needs_a_reason_and_cannot_go_below_what_orders_hold(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "5")
    order = make_order(tenant_a, data, (data["P1"], "4"))
    handle(tenant_a, order)  # 4 reserved
    before = (ledger(tenant_a), levels(tenant_a))
    client = panel_client(tenant_a, "manager")
    form = html(client.get("/stock/adjust/", {"product": str(data["P1"].pk)}))
    assert "Change (+/-)" in form and "Reason" in form
    assert "Now in MAIN: 5 szt on hand, 4 szt reserved, 1 szt available." in " ".join(form.split())
    assert re.search(r'<div class="field[^"]*required[^"]*">\s*<label for="id_reason"', form)

    page = html(client.post("/stock/adjust/", {"product": str(data["P1"].pk), "quantity": "-1"}))
    assert "Give the reason for this change." in field_errors(page, "reason")
    page = html(client.post("/stock/adjust/", {"product": str(data["P1"].pk), "quantity": "0",
                                               "reason": "count"}))  # fmt: skip
    assert "Enter a change other than zero" in field_errors(page, "quantity")
    page = html(client.post("/stock/adjust/", {"product": str(data["P1"].pk), "quantity": "-2",
                                               "reason": "damaged"}))  # fmt: skip
    assert "Orders hold 4.000 of this stock: at most 1.000 can be removed." in field_errors(
        page, "quantity"
    )
    assert (ledger(tenant_a), levels(tenant_a)) == before

    done = client.post("/stock/adjust/", {"product": str(data["P1"].pk), "quantity": "-1",
                                          "reason": "damaged in transport"})  # fmt: skip
    assert done.status_code == 302
    assert ("Stock of P1 Product P1 in MAIN changed by -1\xa0szt. On hand now: 4\xa0szt."
            in html(client.get(done["Location"])))  # fmt: skip
    assert ledger(tenant_a)[-1] == ("adjustment", D(-1), "P1")
    assert numbers(level_of(tenant_a, data["P1"])) == (D(4), D(4), D(0))


# --- roles ------------------------------------------------------------------------------


def test_the_matrix_lets_employees_receive_but_not_adjust():
    rules = extensions.rules_of("stock")
    assert rules["receive"] == extensions.EVERYONE
    assert rules["write"] == extensions.MANAGERS and "adjust" not in rules


def test_employee_receives_but_sees_no_adjust_and_gets_403_on_it(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "5")
    level = level_of(tenant_a, data["P1"])
    employee = panel_client(tenant_a, "employee")
    page = html(employee.get("/stock/"))
    assert "P1" in page and "/stock/receive/" in page
    assert "/stock/adjust/" not in page and "Adjust" not in page
    assert "/threshold/" not in page and 'name="low_stock_threshold"' not in page
    warehouses = html(employee.get("/stock/warehouses/"))
    assert "MAIN" in warehouses and "/stock/warehouses/new/" not in warehouses
    assert "Make default" not in warehouses and "/edit/" not in warehouses
    before = (ledger(tenant_a), levels(tenant_a))

    assert employee.get("/stock/adjust/").status_code == 403
    assert employee.get("/stock/adjust/", {"product": str(data["P1"].pk)}).status_code == 403
    body = {"product": str(data["P1"].pk), "quantity": "-5", "reason": "theft"}
    assert employee.post("/stock/adjust/", body).status_code == 403
    threshold = f"/stock/levels/{level.pk}/threshold/"
    assert employee.post(threshold, {"low_stock_threshold": "1"}).status_code == 403
    assert employee.get("/stock/warehouses/new/").status_code == 403
    assert employee.post("/stock/warehouses/new/", {"code": "X", "name": "X"}).status_code == 403
    default = default_warehouse(tenant_a)
    assert employee.post(f"/stock/warehouses/{default.pk}/active/",
                         {"active": "0"}).status_code == 403  # fmt: skip
    assert (ledger(tenant_a), levels(tenant_a)) == before

    # ...but receives a delivery.
    receipt = employee.post("/stock/receive/", {"product": str(data["P1"].pk), "quantity": "2"})
    assert receipt.status_code == 302
    assert numbers(level_of(tenant_a, data["P1"])) == (D(7), D(0), D(7))


# --- the ledger -------------------------------------------------------------------------


def test_ledger_lists_newest_first_with_filters(tenant_a):
    data = seed(tenant_a)
    w2 = second_warehouse(tenant_a)
    receive(tenant_a, data["P1"], "5", reference="WZ-1")
    receive(tenant_a, data["P2"], "3", warehouse=w2)
    order = make_order(tenant_a, data, (data["P1"], "2"))
    handle(tenant_a, order)
    client = panel_client(tenant_a)

    def kinds(**query: str) -> list[str]:
        page = html(client.get("/stock/movements/", query))
        return re.findall(r'<span class="pill kind-(\w+)">', page)

    page = html(client.get("/stock/movements/"))
    assert kinds() == ["reservation", "receipt", "receipt"]
    assert "WZ-1" in page and '+5 <span class="unit">szt</span>' in page
    assert order.number in page and "System" in page
    assert f'href="/orders/{order.pk}/"' in page  # sales:order_detail
    assert "Order placed" in page  # the system's reason (order.created), in words
    assert kinds(kind="receipt") == ["receipt", "receipt"]
    assert kinds(q="p2") == ["receipt"]
    assert kinds(product=str(data["P1"].pk)) == ["reservation", "receipt"]
    assert kinds(warehouse=str(w2.pk)) == ["receipt"]
    assert kinds(order=order.number) == ["reservation"]
    assert kinds(order=str(order.pk)) == ["reservation"]
    assert kinds(order="ZAM-NONE") == []
    assert kinds(created_from="2000-01-01", created_to="2000-01-02") == []
    today = datetime.now(ZoneInfo(tenant_a.time_zone)).date().isoformat()  # the tenant's day
    assert len(kinds(created_from=today, created_to=today)) == 3
    assert kinds(sort="created") == ["receipt", "receipt", "reservation"]
    bad_date = html(client.get("/stock/movements/", {"created_from": "yesterday"}))
    assert field_errors(bad_date, "created_from")  # shown, and the filter left out
    partial = html(client.get("/stock/movements/", {"kind": "receipt"}, HTTP_HX_REQUEST="true"))
    assert partial.lstrip().startswith('<section id="movement-results"')


# --- query counts -----------------------------------------------------------------------


def test_lists_run_the_same_queries_for_few_and_many_rows(tenant_a, django_assert_num_queries):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "5")
    order = make_order(tenant_a, data, (data["P1"], "1"))
    handle(tenant_a, order)
    set_threshold(tenant_a, data["P1"], "100")  # one low row to start with
    client = panel_client(tenant_a)
    tenant_db = connections[tenant_a.alias]
    urls = ["/stock/", "/stock/?low=on&q=p", "/stock/movements/", "/stock/warehouses/"]
    for url in urls:
        client.get(url)
    counts = {}
    for url in urls:
        with CaptureQueriesContext(tenant_db) as queries:
            client.get(url)
        counts[url] = len(queries)
    with tenant_context(tenant_a):
        for n in range(30):
            f.StockMovementFactory.create(quantity="1", product=f.ProductFactory.create(
                code=f"Q-{n:02d}"))  # fmt: skip
            f.WarehouseFactory.create()
        StockLevel.objects.update(low_stock_threshold=D(100))
    for url in urls:
        with django_assert_num_queries(counts[url], connection=tenant_db):
            page = html(client.get(url))
        if url != "/stock/warehouses/":
            assert "1\N{EN DASH}25 of" in page, url


# --- the product page's section ----------------------------------------------------------


def test_a_products_stock_section_lists_its_levels_with_the_roles_links(tenant_a):
    data = seed(tenant_a)
    w2 = second_warehouse(tenant_a)
    receive(tenant_a, data["P2"], "2.5")
    receive(tenant_a, data["P2"], "1", warehouse=w2)
    set_threshold(tenant_a, data["P2"], "3")
    sections = [s for s in extensions.detail_sections("product") if s.key == "stock"]
    assert sections and sections[0].url_name == "stock:product_levels"
    url = f"/stock/for-product/{data['P2'].pk}/"
    employee = html(panel_client(tenant_a, "employee").get(url))
    assert "<html" not in employee and "MAIN" in employee and "W2" in employee
    assert "2.5 kg" in employee and '<span class="pill bad">Low</span>' in employee
    assert f"/stock/receive/?product={data['P2'].pk}" in employee
    assert "/stock/adjust/" not in employee
    assert f"/stock/adjust/?product={data['P2'].pk}" in html(panel_client(tenant_a).get(url))
    empty = html(panel_client(tenant_a).get(f"/stock/for-product/{data['P3'].pk}/"))
    assert "No stock of this product recorded yet." in empty


# --- warehouses -------------------------------------------------------------------------


def test_warehouses_create_edit_make_default_and_deactivate(tenant_a):
    client = panel_client(tenant_a, "manager")
    assert "MAIN" in html(client.get("/stock/warehouses/"))  # made on first need

    page = html(client.post("/stock/warehouses/new/", {"code": "main", "name": ""}))
    assert "Another warehouse has this code." in field_errors(page, "code")
    assert "Enter the warehouse name." in field_errors(page, "name")
    response = client.post("/stock/warehouses/new/", {"code": "waw-1", "name": "Warszawa",
                                                      "address": "Długa 1"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/stock/warehouses/"
    with tenant_context(tenant_a):
        waw = Warehouse.objects.get(code="WAW-1")
    assert "Warehouse WAW-1 added." in html(client.get("/stock/warehouses/"))

    edit = client.post(f"/stock/warehouses/{waw.pk}/edit/", {"code": "WAW-1", "name": "Wawa",
                                                            "address": ""})  # fmt: skip
    assert edit.status_code == 302
    with tenant_context(tenant_a):
        waw.refresh_from_db()
    assert waw.name == "Wawa" and waw.address == ""

    client.post(f"/stock/warehouses/{waw.pk}/default/")
    with tenant_context(tenant_a):
        assert Warehouse.objects.get(is_default=True).code == "WAW-1"
    page = html(client.get("/stock/warehouses/"))
    assert "WAW-1 is now the default warehouse" in page
    main = Warehouse.objects.using(tenant_a.alias).get(code="MAIN")
    # The default has no deactivate button, and refuses it anyway.
    client.post(f"/stock/warehouses/{waw.pk}/active/", {"active": "0"})
    assert "The default warehouse cannot be inactive." in html(client.get("/stock/warehouses/"))
    client.post(f"/stock/warehouses/{main.pk}/active/", {"active": "0"})
    with tenant_context(tenant_a):
        assert Warehouse.objects.get(pk=waw.pk).is_active
        assert not Warehouse.objects.get(pk=main.pk).is_active
    page = html(client.get("/stock/warehouses/"))
    assert "Warehouse MAIN deactivated" in page and "Reactivate" in page
    client.post(f"/stock/warehouses/{main.pk}/active/", {"active": "1"})
    with tenant_context(tenant_a):
        assert Warehouse.objects.get(pk=main.pk).is_active
    assert client.get(f"/stock/warehouses/{waw.pk}/default/").status_code == 405


# --- the module switch and isolation ----------------------------------------------------


def _urls(level: Any, warehouse: Any) -> list[str]:
    return [
        "/stock/", "/stock/movements/", "/stock/warehouses/", "/stock/receive/", "/stock/adjust/",
        "/stock/products/?product_q=p", "/stock/warehouses/new/",
        f"/stock/levels/{level.pk}/threshold/", f"/stock/warehouses/{warehouse.pk}/edit/",
        f"/stock/for-product/{level.product_id}/",
    ]  # fmt: skip


def test_every_page_is_404_and_the_entry_gone_when_the_module_is_off(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "5")
    level, default = level_of(tenant_a, data["P1"]), default_warehouse(tenant_a)
    client = panel_client(tenant_a)
    assert 'href="/stock/">Stock</a>' in html(client.get("/"))
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@stock", is_enabled=False)
    for url in _urls(level, default):
        assert client.get(url).status_code == 404, url
    body = {"product": str(data["P1"].pk), "quantity": "1", "reason": "x"}
    assert client.post("/stock/receive/", body).status_code == 404
    assert client.post("/stock/adjust/", body).status_code == 404
    assert 'href="/stock/"' not in html(client.get("/"))
    assert numbers(level_of(tenant_a, data["P1"])) == (D(5), D(0), D(5))


def test_tenant_a_sees_and_changes_nothing_of_tenant_b(tenant_a, tenant_b):
    data_a, data_b = seed(tenant_a), seed(tenant_b)
    receive(tenant_a, data_a["P1"], "5")
    receive(tenant_b, data_b["P1"], "7")
    w_b = second_warehouse(tenant_b, "TAJNY")
    level_b, default_b = level_of(tenant_b, data_b["P1"]), default_warehouse(tenant_b)
    before = {t.slug: (ledger(t), levels(t)) for t in (tenant_a, tenant_b)}
    client = panel_client(tenant_a)

    # A's session on B's host: the login page, never B's data.
    for url in _urls(level_b, w_b):
        response = client.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
        assert "TAJNY" not in response.content.decode()
    client = panel_client(tenant_a)

    # B's ids on A's host: 404, or refused on their field; nothing written anywhere.
    assert client.get(f"/stock/levels/{level_b.pk}/threshold/").status_code == 404
    assert client.post(f"/stock/levels/{level_b.pk}/threshold/",
                       {"low_stock_threshold": "1"}).status_code == 404  # fmt: skip
    for pk in (w_b.pk, default_b.pk):
        assert client.get(f"/stock/warehouses/{pk}/edit/").status_code == 404
        assert client.post(f"/stock/warehouses/{pk}/default/").status_code == 404
        assert client.post(f"/stock/warehouses/{pk}/active/", {"active": "0"}).status_code == 404
    for path in ("receive", "adjust"):
        page = html(client.post(f"/stock/{path}/", {
            "product": str(data_b["P1"].pk), "warehouse": str(w_b.pk), "quantity": "1",
            "reason": "x",
        }))  # fmt: skip
        assert "There is no such product." in field_errors(page, "product")
        assert "There is no such warehouse." in field_errors(page, "warehouse")
    assert client.get(f"/stock/for-product/{data_b['P1'].pk}/").status_code == 404
    prefilled = html(client.get("/stock/receive/", {"product": str(data_b["P1"].pk)}))
    assert f'name="product" value="{data_b["P1"].pk}"' not in prefilled
    assert codes(html(client.get("/stock/", {"product": str(data_b["P1"].pk)}))) == []
    ledger_page = html(client.get("/stock/movements/", {"warehouse": str(w_b.pk)}))
    assert "TAJNY" not in ledger_page
    assert "TAJNY" not in html(client.get("/stock/warehouses/"))
    assert {t.slug: (ledger(t), levels(t)) for t in (tenant_a, tenant_b)} == before


def test_quantities_are_written_the_polish_way(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P2"], "1234.5")
    client = panel_client(tenant_a)
    client.cookies["django_language"] = "pl"
    page = html(client.get("/stock/", HTTP_ACCEPT_LANGUAGE="pl"))
    assert '1\xa0234,5 <span class="unit">kg</span>' in page
    done = client.post("/stock/receive/", {"product": str(data["P2"].pk), "quantity": "0,5"},
                       HTTP_ACCEPT_LANGUAGE="pl")  # fmt: skip
    assert done.status_code == 302
    assert "1\xa0235\xa0kg" in html(client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="pl"))
