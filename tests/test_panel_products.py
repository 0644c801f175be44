"""The product pages of the staff panel: list and live filtering, detail, create and edit
with the API's errors on their fields, CSV import (dry run, confirm) and export, field
rules, roles, the module switch, query counts, tenant isolation, search."""

from __future__ import annotations

import re
from decimal import Decimal

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import set_urlconf

from dockpulse import extensions
from dockpulse.tenancy import tenant_context
from tenant_apps.products.models import Product
from tests import factories as f
from tests.support import field_errors, host_of, html, panel_client, token_of

pytestmark = pytest.mark.django_db(databases="__all__")

GOOD = {
    "code": "KAW-01",
    "name": "Kawa ziarnista 1 kg",
    "category": "Kawa",
    "price": "59,90",
    "unit": "szt",
    "vat_rate": "23",
    "description": "Arabika.",
    "is_active": "on",
}


def count(tenant, **lookup) -> int:
    with tenant_context(tenant):
        return Product.objects.filter(**lookup).count()


def csv_upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("products.csv", content, content_type="text/csv")


def codes(page: str) -> list[str]:
    return re.findall(r'<td class="nowrap"><a href="/products/[0-9a-f-]+/">([^<]+)</a>', page)


# --- create and edit --------------------------------------------------------------------


def test_bad_values_come_back_on_their_fields_and_nothing_is_written(tenant_a):
    with tenant_context(tenant_a):
        f.ProductFactory.create(code="KAW-01")
    client = panel_client(tenant_a)
    assert client.get("/products/new/").status_code == 200
    response = client.post(
        "/products/new/", {**GOOD, "price": "-5", "unit": "beczka", "vat_rate": "7"}
    )
    assert response.status_code == 400
    page = html(response)
    assert "Another product has this code." in field_errors(page, "code")
    assert field_errors(page, "price")
    assert "Choose one of:" in field_errors(page, "unit")
    assert "Choose one of:" in field_errors(page, "vat_rate")
    assert count(tenant_a) == 1

    response = client.post("/products/new/", {**GOOD, "code": "KAW-02"})
    assert response.status_code == 302
    with tenant_context(tenant_a):
        product = Product.objects.get(code="KAW-02")
    assert response["Location"] == f"/products/{product.pk}/"
    assert product.price == Decimal("59.90") and product.category == "Kawa"
    detail = html(client.get(response["Location"]))
    assert "Product KAW-02 added." in detail and "Kawa ziarnista 1 kg" in detail
    assert "PLN\xa059.90" in detail


def test_edit_changes_the_product(tenant_a):
    with tenant_context(tenant_a):
        product = f.ProductFactory.create(code="P-1", price=Decimal("10.00"), category="A")
    client = panel_client(tenant_a)
    form = html(client.get(f"/products/{product.pk}/edit/"))
    assert 'value="P-1"' in form and 'value="10.00"' in form
    assert '<option value="A"></option>' in form  # known categories offered
    data = {**GOOD, "code": "P-1", "price": "12,50"}
    data.pop("is_active")
    response = client.post(f"/products/{product.pk}/edit/", data)
    assert response.status_code == 302, html(response)
    with tenant_context(tenant_a):
        product.refresh_from_db()
    assert product.price == Decimal("12.50") and product.is_active is False
    assert "Changes saved." in html(client.get(response["Location"]))


# --- field rules ------------------------------------------------------------------------


def test_hidden_field_is_absent_from_form_list_detail_and_export(tenant_a):
    with tenant_context(tenant_a):
        product = f.ProductFactory.create(code="P-1", category="Tajna kategoria")
        f.FieldConfigFactory.create(entity_type="product", field_name="category", is_visible=False)
    client = panel_client(tenant_a)
    assert 'name="category"' not in html(client.get("/products/new/"))
    assert 'name="category"' not in html(client.get(f"/products/{product.pk}/edit/"))
    listing = html(client.get("/products/"))
    assert "P-1" in listing and "Tajna kategoria" not in listing and ">Category<" not in listing
    detail = html(client.get(f"/products/{product.pk}/"))
    assert "P-1" in detail and "Tajna kategoria" not in detail
    export = client.get("/products/export/").content.decode("utf-8-sig")
    assert "P-1" in export and "category" not in export and "Tajna" not in export
    template = client.get("/products/import/template.csv").content.decode("utf-8-sig")
    assert template.startswith("code;name;") and "category" not in template


def test_required_field_is_marked_and_enforced_on_the_form(tenant_a):
    with tenant_context(tenant_a):
        f.FieldConfigFactory.create(
            entity_type="product", field_name="description", is_required=True
        )
    client = panel_client(tenant_a)
    form = html(client.get("/products/new/"))
    wrapper = re.search(r'<div class="field([^"]*)">\s*<label for="id_description"', form)
    assert wrapper and "required" in wrapper.group(1)
    response = client.post("/products/new/", {**GOOD, "description": ""})
    assert response.status_code == 400
    assert "This field is required in this account's settings." in field_errors(
        html(response), "description"
    )
    assert count(tenant_a) == 0


# --- list ---------------------------------------------------------------------------------


def test_list_searches_filters_and_sorts_with_and_without_htmx(tenant_a):
    with tenant_context(tenant_a):
        f.ProductFactory.create(code="A-1", name="Kawa", category="Napoje", price=Decimal("30"))
        f.ProductFactory.create(code="B-1", name="Herbata", category="Napoje", vat_rate="8",
                                price=Decimal("10"))  # fmt: skip
        f.ProductFactory.create(code="C-1", name="Cukier", category="Spożywcze",
                                is_active=False, price=Decimal("5"))  # fmt: skip
    client = panel_client(tenant_a)

    def listed(**query) -> list[str]:
        return codes(html(client.get("/products/", query)))

    assert listed() == ["A-1", "B-1", "C-1"]
    assert listed(q="herb") == ["B-1"]
    assert listed(q="spożyw") == ["C-1"]  # the category
    assert listed(category="Napoje") == ["A-1", "B-1"]
    assert listed(active="no") == ["C-1"]
    assert listed(active="yes", vat_rate="8") == ["B-1"]
    assert listed(sort="price") == ["C-1", "B-1", "A-1"]
    assert listed(sort="-code") == ["C-1", "B-1", "A-1"]
    page = html(client.get("/products/"))
    assert '<option value="Spożywcze">Spożywcze</option>' in page

    partial = client.get("/products/", {"q": "kawa"}, HTTP_HX_REQUEST="true")
    body = html(partial)
    assert body.lstrip().startswith('<section id="product-results"') and "<html" not in body
    assert codes(body) == ["A-1"] and "HX-Request" in partial["Vary"]


def test_list_runs_the_same_queries_for_few_and_many_rows(tenant_a, django_assert_num_queries):
    client = panel_client(tenant_a)
    tenant_db = connections[tenant_a.alias]
    with tenant_context(tenant_a):
        product = f.ProductFactory.create(category="X")
    client.get("/products/")
    with CaptureQueriesContext(tenant_db) as list_few:
        client.get("/products/")
    with CaptureQueriesContext(tenant_db) as detail_few:
        client.get(f"/products/{product.pk}/")
    with tenant_context(tenant_a):
        # Thirty categories too: the filter's choices come in one query.
        f.ProductFactory.create_batch(30, category=factory.Sequence(lambda n: f"Kategoria {n}"))
    with django_assert_num_queries(len(list_few), connection=tenant_db):
        page = html(client.get("/products/"))
    assert len(codes(page)) == 25 and "1\N{EN DASH}25 of 31" in page
    with django_assert_num_queries(len(detail_few), connection=tenant_db):
        client.get(f"/products/{product.pk}/")


# --- CSV ----------------------------------------------------------------------------------

CSV_ONE_BAD = (
    b"kod;nazwa;cena;jm;vat\nK-1;Kawa;12,50;szt;23\nK-2;Herbata;-3;szt;23\nK-3;Cukier;4;kg;5\n"
)
CSV_GOOD = CSV_ONE_BAD.replace(b"-3", b"3")


def test_import_preview_lists_the_bad_row_and_writes_nothing_then_confirm_writes_all(tenant_a):
    client = panel_client(tenant_a)
    page = html(client.post("/products/import/", {"file": csv_upload(CSV_ONE_BAD)}))
    assert "1 row of the file has problems" in page
    assert re.search(r'<tr><td class="num">3</td><td><code>price</code></td>', page)
    assert "Confirm import" not in page and count(tenant_a) == 0

    page = html(client.post("/products/import/", {"file": csv_upload(CSV_GOOD)}))
    assert "The file is valid: 3 rows would be imported." in page and count(tenant_a) == 0
    token = token_of(page)
    done = client.post("/products/import/", {"token": token})
    assert done.status_code == 302 and done["Location"] == "/products/"
    assert count(tenant_a) == 3
    assert "3 products imported." in html(client.get("/products/"))


def test_import_token_of_another_user_or_tenant_is_refused(tenant_a, tenant_b):
    admin = panel_client(tenant_a)
    page = html(admin.post("/products/import/", {"file": csv_upload(CSV_GOOD)}))
    token = token_of(page)
    assert (
        panel_client(tenant_a, "manager").post("/products/import/", {"token": token}).status_code
        == 400
    )
    assert panel_client(tenant_b).post("/products/import/", {"token": token}).status_code == 400
    assert count(tenant_a) == 0 and count(tenant_b) == 0


def test_export_follows_the_filters(tenant_a):
    with tenant_context(tenant_a):
        f.ProductFactory.create(code="A-1", category="Napoje")
        f.ProductFactory.create(code="B-1", category="Inne")
    client = panel_client(tenant_a)
    response = client.get("/products/export/", {"category": "Napoje"})
    assert 'filename="products.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code;name;") and [line.split(";")[0] for line in lines[1:]] == [
        "A-1"
    ]
    assert 'href="/products/export/?category=Napoje"' in html(
        client.get("/products/", {"category": "Napoje"})
    )


# --- roles, modules, isolation ------------------------------------------------------------


def _urls(pk) -> list[str]:
    return [
        "/products/", "/products/export/", "/products/new/", "/products/import/",
        "/products/import/template.csv", f"/products/{pk}/", f"/products/{pk}/edit/",
    ]  # fmt: skip


def test_employee_reads_but_sees_no_write_buttons_and_gets_403_on_writes(tenant_a):
    with tenant_context(tenant_a):
        product = f.ProductFactory.create(code="P-1")
    employee = panel_client(tenant_a, "employee")
    listing = html(employee.get("/products/"))
    assert "P-1" in listing and "/products/new/" not in listing
    assert "/products/import/" not in listing
    assert f"/products/{product.pk}/edit/" not in html(employee.get(f"/products/{product.pk}/"))
    for url in [*_urls(product.pk)[2:5], f"/products/{product.pk}/edit/"]:
        assert employee.get(url).status_code == 403, url
    assert employee.post("/products/new/", GOOD).status_code == 403
    assert employee.post(f"/products/{product.pk}/edit/", GOOD).status_code == 403
    assert employee.post("/products/import/", {"file": csv_upload(CSV_GOOD)}).status_code == 403
    assert count(tenant_a) == 1


def test_every_page_is_404_when_the_module_is_off(tenant_a):
    with tenant_context(tenant_a):
        product = f.ProductFactory.create()
        f.TenantModuleFactory.create(module_code="@products", is_enabled=False)
    client = panel_client(tenant_a)
    for url in _urls(product.pk):
        assert client.get(url).status_code == 404, url
    assert client.post("/products/new/", GOOD).status_code == 404
    assert 'href="/products/"' not in html(client.get("/customers/"))


def test_a_session_of_tenant_a_opens_nothing_on_tenant_b(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = f.ProductFactory.create(code="TAJNY-1", name="Tajny produkt")
    client = panel_client(tenant_a)
    for url in _urls(theirs.pk)[5:]:
        assert client.get(url).status_code == 404, url  # B's id on A's host
    assert client.post(f"/products/{theirs.pk}/edit/", GOOD).status_code == 404
    for url in _urls(theirs.pk):
        response = client.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code in (302, 403, 404), url
        assert "Tajny" not in response.content.decode()


def test_search_provider_finds_products_of_this_tenant_only(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        ours = f.ProductFactory.create(code="KAW-01", name="Kawa")
    with tenant_context(tenant_b):
        f.ProductFactory.create(code="KAW-02", name="Kawa obca")
    provider = next(p for p in extensions.search_providers() if p.key == "products")
    set_urlconf("dockpulse.urls_tenant")
    try:
        with tenant_context(tenant_a):
            by_code = provider.find("kaw-0", 10)
            by_name = provider.find("kawa", 10)
    finally:
        set_urlconf(None)
    assert [(hit.title, hit.detail) for hit in by_code] == [("Kawa", "KAW-01")]
    assert [hit.url for hit in by_name] == [f"/products/{ours.pk}/"]


def test_prices_and_dates_are_written_the_polish_way(tenant_a):
    with tenant_context(tenant_a):
        product = f.ProductFactory.create(code="P-1", price=Decimal("1234.50"))
    client = panel_client(tenant_a)
    client.cookies["django_language"] = "pl"
    page = html(client.get("/products/", HTTP_ACCEPT_LANGUAGE="pl"))
    assert "1\xa0234,50\xa0zł" in page
    detail = html(client.get(f"/products/{product.pk}/", HTTP_ACCEPT_LANGUAGE="pl"))
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", detail)  # 01.12.2026 10:30
    form = html(client.get(f"/products/{product.pk}/edit/", HTTP_ACCEPT_LANGUAGE="pl"))
    assert 'value="1234,50"' in form  # and parse_money takes the comma back
