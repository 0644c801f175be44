"""Customers over the API: validation, search, field settings, modules, plan limit, CSV."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.configuration.models import TenantModule
from tenant_apps.customers.models import Customer
from tests.factories import CustomerFactory
from tests.support import client_for, fields_of

pytestmark = pytest.mark.django_db(databases="__all__")


ANNA = {
    "name": "Anna Kowalska",
    "company_name": "Kowalska Catering",
    "phone": "601 234 567",
    "email": "Anna@Catering.pl",
    "nip": "526-000-12-46",
    "address": {"street": "Długa 5", "postal_code": "00-001", "city": "Warszawa"},
    "tags": ["vip", "catering"],
}


def test_create_normalises_and_records_the_event(tenant_a):
    client = client_for(tenant_a)
    response = client.post("/api/v1/customers/", ANNA, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+48601234567"
    assert body["nip"] == "5260001246"
    assert body["email"] == "anna@catering.pl"
    assert body["address"] == {
        "street": "Długa 5", "postal_code": "00-001", "city": "Warszawa", "country": "PL",
    }  # fmt: skip
    assert body["tags"] == ["catering", "vip"]
    with tenant_context(tenant_a):
        event = EventLog.objects.get(entity_id=body["id"])
    assert event.event_type == "customer.created"

    changed = client.patch(
        f"/api/v1/customers/{body['id']}/", {"notes": "pays late"}, format="json"
    )
    assert changed.json()["notes"] == "pays late"
    assert client.delete(f"/api/v1/customers/{body['id']}/").status_code == 204
    with tenant_context(tenant_a):
        kinds = list(EventLog.objects.filter(entity_id=body["id"]).order_by("created_at")
                     .values_list("event_type", flat=True))  # fmt: skip
    assert kinds == ["customer.created", "customer.updated", "entity.deleted"]


def test_bad_input_is_400_per_field(tenant_a):
    client = client_for(tenant_a)
    assert client.post("/api/v1/customers/", ANNA, format="json").status_code == 201
    assert "nip" in fields_of(
        client.post(
            "/api/v1/customers/",
            {**ANNA, "phone": "602 000 000", "nip": "5260001247"},
            format="json",
        )
    )
    assert "phone" in fields_of(
        client.post("/api/v1/customers/", {**ANNA, "phone": "call me"}, format="json")
    )
    duplicate = fields_of(
        client.post("/api/v1/customers/", {**ANNA, "phone": "+48 601-234-567"}, format="json")
    )
    assert duplicate["phone"] == ["Another customer has this phone number."]
    unknown = fields_of(client.post("/api/v1/customers/", {**ANNA, "shoe_size": 42}, format="json"))
    assert unknown == {"shoe_size": ["Unknown field."]}
    with tenant_context(tenant_a):
        assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "can_write"), [("admin", True), ("manager", True), ("employee", False)]
)
def test_role_matrix_for_customers(tenant_a, role, can_write):
    client = client_for(tenant_a, role)
    assert client.get("/api/v1/customers/").status_code == 200
    created = client.post("/api/v1/customers/", ANNA, format="json")
    assert created.status_code == (201 if can_write else 403)
    with tenant_context(tenant_a):
        customer = Customer.objects.first() or CustomerFactory.create()
    assert client.get(f"/api/v1/customers/{customer.id}/").status_code == 200
    patched = client.patch(f"/api/v1/customers/{customer.id}/", {"notes": "x"}, format="json")
    assert patched.status_code == (200 if can_write else 403)
    deleted = client.delete(f"/api/v1/customers/{customer.id}/")
    assert deleted.status_code == (204 if can_write else 403)


def test_other_tenants_customer_is_404(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        b_customer = CustomerFactory.create()
    client = client_for(tenant_a)
    assert client.get(f"/api/v1/customers/{b_customer.id}/").status_code == 404
    assert client.delete(f"/api/v1/customers/{b_customer.id}/").status_code == 404
    with tenant_context(tenant_b):
        assert Customer.objects.filter(pk=b_customer.id).exists()


def test_search_and_tag_filter(tenant_a):
    client = client_for(tenant_a)
    client.post("/api/v1/customers/", ANNA, format="json")
    client.post("/api/v1/customers/", {"name": "Jan Nowak", "phone": "+48 605 111 222",
                                       "tags": ["retail"]}, format="json")  # fmt: skip

    def names(**params):
        return [c["name"] for c in client.get("/api/v1/customers/", params).json()["results"]]

    assert names(search="catering") == ["Anna Kowalska"]
    assert names(search="605111") == ["Jan Nowak"]
    assert names(search="5260001246") == ["Anna Kowalska"]
    assert names(tag="retail") == ["Jan Nowak"]
    assert names() == ["Anna Kowalska", "Jan Nowak"]


def test_hidden_and_required_fields_follow_the_settings(tenant_a):
    client = client_for(tenant_a)
    assert client.patch("/api/v1/settings/fields/customer.nip/", {"is_visible": False},
                        format="json").status_code == 200  # fmt: skip
    assert client.patch("/api/v1/settings/fields/customer.email/", {"is_required": True},
                        format="json").status_code == 200  # fmt: skip
    refused = fields_of(client.post("/api/v1/customers/", ANNA, format="json"))
    assert refused == {"nip": ["This field is hidden in this account's settings."]}
    without_nip = {k: v for k, v in ANNA.items() if k != "nip"}
    missing = fields_of(client.post(
        "/api/v1/customers/", {k: v for k, v in without_nip.items() if k != "email"}, format="json"
    ))  # fmt: skip
    assert missing == {"email": ["This field is required in this account's settings."]}
    created = client.post("/api/v1/customers/", without_nip, format="json")
    assert created.status_code == 201
    assert "nip" not in created.json()
    assert all("nip" not in c for c in client.get("/api/v1/customers/").json()["results"])
    core = client.patch("/api/v1/settings/fields/customer.phone/", {"is_visible": False},
                        format="json")  # fmt: skip
    assert fields_of(core) == {"field_name": ["This field is always shown and required."]}


def test_disabled_module_answers_404(tenant_a):
    client = client_for(tenant_a)
    with tenant_context(tenant_a):
        TenantModule.objects.filter(module_code="@customers").update(is_enabled=False)
    response = client.get("/api/v1/customers/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_plan_limit_on_customers(tenant_a):
    client = client_for(tenant_a)  # business plan: 5000 customers
    with tenant_context(tenant_a):
        Customer.objects.bulk_create(
            Customer(name=f"C{i}", phone=f"+4860{i:07d}") for i in range(5000)
        )
    response = client.post("/api/v1/customers/", ANNA, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "plan_limit_reached"
    assert "5000 customers" in response.json()["error"]["message"]


def test_list_query_count_does_not_grow_with_rows(tenant_a):
    client = client_for(tenant_a)
    counts = []
    for total in (5, 50):
        with tenant_context(tenant_a):
            Customer.objects.all().delete()
            Customer.objects.bulk_create(
                Customer(name=f"C{i}", phone=f"+4860{i:07d}", tags=["t"]) for i in range(total)
            )
        with CaptureQueriesContext(connections["tenant_tenant-a"]) as queries:
            response = client.get("/api/v1/customers/", {"page_size": 100})
        assert len(response.json()["results"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


def upload(client: APIClient, content: bytes, dry_run: bool):
    return client.post(
        "/api/v1/customers/import/" + ("?dry_run=1" if dry_run else ""),
        {"file": SimpleUploadedFile("customers.csv", content, content_type="text/csv")},
        format="multipart",
    )


CSV_ONE_BAD = (
    b"name,phone,nip,email\n"
    b"Anna,601 234 567,526-000-12-46,anna@x.pl\n"
    b"Bartek,602 345 678,1234567890,bartek@x.pl\n"
    b"Celina,603 456 789,,celina@x.pl\n"
)


def test_csv_with_one_bad_row_names_it_and_writes_nothing(tenant_a):
    client = client_for(tenant_a)
    for dry_run in (True, False):
        response = upload(client, CSV_ONE_BAD, dry_run)
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["error"]["code"] == "invalid_rows"
        assert body["errors"] == [{"line": 3, "fields": {"nip": [
            "This is not a valid NIP (check the digits)."]}}]  # fmt: skip
        assert body["rows"] == 3 and body["created"] == 0
    with tenant_context(tenant_a):
        assert Customer.objects.count() == 0


def test_cp1250_semicolon_file_imports(tenant_a):
    client = client_for(tenant_a)
    text = "Nazwa;Telefon;Miasto;Tagi\r\nŻaneta Źrebięcka;601 234 567;Łódź;hurt|stały\r\n"
    content = text.encode("cp1250")
    dry = upload(client, content, True)
    assert dry.status_code == 200 and dry.json() == {"rows": 1, "created": 0, "dry_run": True,
                                                     "errors": []}  # fmt: skip
    real = upload(client, content, False)
    assert real.status_code == 200 and real.json()["created"] == 1
    with tenant_context(tenant_a):
        customer = Customer.objects.get()
    assert customer.name == "Żaneta Źrebięcka"
    assert customer.address_city == "Łódź"
    assert customer.tags == ["hurt", "stały"]
    assert customer.phone == "+48601234567"


def test_export_escapes_formulas_and_round_trips(tenant_a):
    client = client_for(tenant_a)
    client.post("/api/v1/customers/", {"name": "=HYPERLINK(\"http://evil\")", "phone": "601234567",
                                       "notes": "@SUM(1)"}, format="json")  # fmt: skip
    response = client.get("/api/v1/customers/export/")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("name;company_name;phone")
    assert "'=HYPERLINK" in lines[1] and "'@SUM(1)" in lines[1] and "'+48601234567" in lines[1]
    with tenant_context(tenant_a):
        Customer.objects.all().delete()
    assert upload(client, response.content, False).json()["created"] == 1
    with tenant_context(tenant_a):
        restored = Customer.objects.get()
    assert restored.name == '=HYPERLINK("http://evil")' and restored.phone == "+48601234567"
