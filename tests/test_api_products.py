"""Products over the API: prices as Decimal, units and VAT from lists, CSV, roles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test.utils import CaptureQueriesContext

from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.configuration.models import TenantModule
from tenant_apps.products.models import Product
from tests.factories import ProductFactory
from tests.support import client_for, fields_of

pytestmark = pytest.mark.django_db(databases="__all__")

BREAD = {"code": "CHL-1", "name": "Chleb żytni", "price": "7.50", "unit": "szt", "vat_rate": "5"}


def test_create_update_delete_with_events(tenant_a):
    client = client_for(tenant_a, "manager")
    created = client.post("/api/v1/products/", BREAD, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["price"] == "7.50" and body["unit"] == "szt" and body["vat_rate"] == "5"
    with tenant_context(tenant_a):
        assert Product.objects.get(pk=body["id"]).price == Decimal("7.50")
    assert client.patch(f"/api/v1/products/{body['id']}/", {"price": "8,20"},
                        format="json").json()["price"] == "8.20"  # fmt: skip
    assert client.delete(f"/api/v1/products/{body['id']}/").status_code == 204
    with tenant_context(tenant_a):
        kinds = list(EventLog.objects.filter(entity_id=body["id"]).order_by("created_at")
                     .values_list("event_type", flat=True))  # fmt: skip
    assert kinds == ["entity.created", "entity.updated", "entity.deleted"]


def test_bad_input_is_400_per_field(tenant_a):
    client = client_for(tenant_a)
    assert client.post("/api/v1/products/", BREAD, format="json").status_code == 201
    bad = fields_of(client.post("/api/v1/products/", {
        "code": "chl-1", "name": "", "price": "-1", "unit": "barrel", "vat_rate": "7",
        "colour": "red"}, format="json"))  # fmt: skip
    assert bad == {"colour": ["Unknown field."]}  # unknown fields are refused first
    bad = fields_of(client.post("/api/v1/products/", {
        "code": "chl-1", "name": " ", "price": "-1", "unit": "barrel", "vat_rate": "7"},
        format="json"))  # fmt: skip
    assert bad["code"] == ["Another product has this code."]
    assert bad["name"] == ["Enter the product name."]
    assert bad["price"] == ["The price cannot be negative."]
    assert "unit" in bad and "vat_rate" in bad
    assert fields_of(
        client.post("/api/v1/products/", {**BREAD, "code": "X", "price": "1.234"}, format="json")
    ) == {"price": ["Enter a price with at most two decimal places."]}
    with tenant_context(tenant_a):
        assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "can_write"), [("admin", True), ("manager", True), ("employee", False)]
)
def test_role_matrix_for_products(tenant_a, role, can_write):
    client = client_for(tenant_a, role)
    assert client.get("/api/v1/products/").status_code == 200
    assert client.post("/api/v1/products/", BREAD, format="json").status_code == (
        201 if can_write else 403
    )
    with tenant_context(tenant_a):
        product = Product.objects.first() or ProductFactory.create()
    assert client.get(f"/api/v1/products/{product.id}/").status_code == 200
    assert client.patch(f"/api/v1/products/{product.id}/", {"name": "Q"},
                        format="json").status_code == (200 if can_write else 403)  # fmt: skip
    assert client.delete(f"/api/v1/products/{product.id}/").status_code == (
        204 if can_write else 403
    )


def test_other_tenants_product_is_404(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = ProductFactory.create()
    assert client_for(tenant_a).get(f"/api/v1/products/{theirs.id}/").status_code == 404


def test_search_filters_and_constant_queries(tenant_a):
    client = client_for(tenant_a)
    counts = []
    for total in (5, 50):
        with tenant_context(tenant_a):
            Product.objects.all().delete()
            Product.objects.bulk_create(
                Product(code=f"P{i:03d}", name=f"Item {i}", price=Decimal(i),
                        category="bakery" if i % 2 else "dairy", unit="kg" if i % 5 else "szt")
                for i in range(total)
            )  # fmt: skip
        with CaptureQueriesContext(connections["tenant_tenant-a"]) as queries:
            response = client.get("/api/v1/products/", {"page_size": 100})
        assert len(response.json()["results"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
    found = client.get("/api/v1/products/", {"category": "dairy", "unit": "szt"}).json()
    assert [p["code"] for p in found["results"]] == [f"P{i:03d}" for i in range(0, 50, 10)]
    assert client.get("/api/v1/products/", {"search": "item 4"}).json()["count"] == 11


def test_disabled_products_module_is_404(tenant_a):
    client = client_for(tenant_a)
    with tenant_context(tenant_a):
        TenantModule.objects.filter(module_code="@products").update(is_enabled=False)
    assert client.get("/api/v1/products/").status_code == 404


def test_csv_import_polish_decimal_comma_and_bad_row(tenant_a):
    client = client_for(tenant_a)
    good = "Kod;Nazwa;Cena netto;J.m.;VAT\r\nM-1;Mąka pszenna;3,49;kg;5\r\n".encode("cp1250")
    response = client.post(
        "/api/v1/products/import/",
        {"file": SimpleUploadedFile("p.csv", good, content_type="text/csv")},
        format="multipart",
    )
    assert response.status_code == 200 and response.json()["created"] == 1
    with tenant_context(tenant_a):
        flour = Product.objects.get(code="M-1")
    assert flour.price == Decimal("3.49") and flour.name == "Mąka pszenna" and flour.unit == "kg"

    bad = b"code,name,price\nA-1,Ok,1.00\nA-2,Bad,abc\n"
    response = client.post(
        "/api/v1/products/import/?dry_run=1",
        {"file": SimpleUploadedFile("p.csv", bad, content_type="text/csv")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"line": 3, "fields": {"price": [
        "Enter a price such as 12.50."]}}]  # fmt: skip
    export = client.get("/api/v1/products/export/").content.decode("utf-8-sig")
    assert export.splitlines()[1].startswith("M-1;Mąka pszenna;;;3.49;kg;5;True")
