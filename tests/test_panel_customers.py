"""The customer pages of the staff panel: list and live filtering, detail, create and
edit with the API's errors on their fields, CSV import (dry run, confirm) and export,
field rules, roles, the module switch, query counts, tenant isolation, search."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dockpulse import extensions
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer
from tests import factories as f
from tests.support import field_errors, host_of, html, panel_client, token_of

pytestmark = pytest.mark.django_db(databases="__all__")

GOOD = {
    "name": "Anna Kowalska",
    "company_name": "Kowalska Catering",
    "phone": "601 234 567",
    "email": "Anna@Catering.pl",
    "nip": "526-000-12-46",
    "address_street": "Długa 5",
    "address_postal_code": "00-001",
    "address_city": "Warszawa",
    "address_country": "PL",
    "tags": "vip, catering",
    "notes": "Pays on time.",
    "is_portal_active": "on",
}


def count(tenant, **lookup) -> int:
    with tenant_context(tenant):
        return Customer.objects.filter(**lookup).count()


def hide(tenant, field: str) -> None:
    with tenant_context(tenant):
        f.FieldConfigFactory.create(entity_type="customer", field_name=field, is_visible=False)


def csv_upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("customers.csv", content, content_type="text/csv")


# --- create and edit --------------------------------------------------------------------


def test_bad_nip_is_shown_on_its_field_and_nothing_is_written_then_a_good_one_saves(tenant_a):
    client = panel_client(tenant_a)
    assert client.get("/customers/new/").status_code == 200

    response = client.post("/customers/new/", {**GOOD, "nip": "1234567890"})
    assert response.status_code == 400
    page = html(response)
    assert "This is not a valid NIP (check the digits)." in field_errors(page, "nip")
    assert 'value="Anna Kowalska"' in page  # what was typed stays
    assert count(tenant_a, name="Anna Kowalska") == 0

    response = client.post("/customers/new/", GOOD)
    assert response.status_code == 302
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="Anna Kowalska")
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.nip == "5260001246" and customer.phone == "+48601234567"
    assert customer.tags == ["catering", "vip"] and customer.address_city == "Warszawa"
    detail = html(client.get(response["Location"]))
    assert "Customer Anna Kowalska added." in detail
    assert "Kowalska Catering" in detail and "5260001246" in detail


def test_bad_phone_is_shown_on_its_field_with_every_other_problem(tenant_a):
    client = panel_client(tenant_a)
    response = client.post("/customers/new/", {**GOOD, "phone": "12", "nip": "1234567890"})
    assert response.status_code == 400
    page = html(response)
    phone_errors = field_errors(page, "phone")
    assert phone_errors and "phone" not in field_errors(page, "nip")
    assert "NIP" in field_errors(page, "nip")  # both at once, as the API answers
    assert count(tenant_a) == 0


def test_taken_phone_and_missing_name_come_back_on_their_fields(tenant_a):
    with tenant_context(tenant_a):
        f.CustomerFactory.create(phone="+48601234567")
    client = panel_client(tenant_a)
    response = client.post("/customers/new/", {**GOOD, "name": ""})
    page = html(response)
    assert "Another customer has this phone number." in field_errors(page, "phone")
    assert "Enter the customer's name." in field_errors(page, "name")
    assert count(tenant_a) == 1


def test_edit_changes_the_customer_and_clears_the_address(tenant_a):
    with tenant_context(tenant_a):
        customer = f.CustomerFactory.create(name="Jan Nowak", tags=["hurt"])
    client = panel_client(tenant_a)
    form = html(client.get(f"/customers/{customer.pk}/edit/"))
    assert 'value="Jan Nowak"' in form and 'value="hurt"' in form
    data = {**GOOD, "name": "Jan Nowak", "phone": customer.phone, "address_street": "",
            "address_postal_code": "", "address_city": "", "tags": "hurt, stały"}  # fmt: skip
    response = client.post(f"/customers/{customer.pk}/edit/", data)
    assert response.status_code == 302, html(response)
    with tenant_context(tenant_a):
        customer.refresh_from_db()
    assert customer.address_street == "" and customer.address_city == ""
    assert customer.tags == ["hurt", "stały"] and customer.nip == "5260001246"

    bad = client.post(f"/customers/{customer.pk}/edit/", {**data, "address_country": "POL"})
    assert "The country is a two-letter code, e.g. PL." in field_errors(html(bad), "address")


# --- field rules ------------------------------------------------------------------------


def test_hidden_field_is_absent_from_form_list_detail_and_export(tenant_a):
    with tenant_context(tenant_a):
        customer = f.CustomerFactory.create(name="Jan Nowak", nip="5260001246")
    hide(tenant_a, "nip")
    client = panel_client(tenant_a)

    form = html(client.get("/customers/new/"))
    assert 'name="nip"' not in form and 'name="name"' in form
    listing = html(client.get("/customers/"))
    assert "Jan Nowak" in listing and "5260001246" not in listing and ">NIP<" not in listing
    detail = html(client.get(f"/customers/{customer.pk}/"))
    assert "Jan Nowak" in detail and "5260001246" not in detail and ">NIP<" not in detail
    export = client.get("/customers/export/").content.decode("utf-8-sig")
    assert "Jan Nowak" in export and "nip" not in export.splitlines()[0]
    assert "5260001246" not in export
    template = client.get("/customers/import/template.csv").content.decode("utf-8-sig")
    assert "nip" not in template and template.startswith("name;")

    # The address hidden: its four inputs go, and the city column with them.
    hide(tenant_a, "address")
    form = html(client.get(f"/customers/{customer.pk}/edit/"))
    assert 'name="address_street"' not in form and 'name="address_city"' not in form
    assert ">City<" not in html(client.get("/customers/"))
    # Posting a hidden field anyway changes nothing.
    data = {**GOOD, "phone": customer.phone, "nip": "1234567890"}
    assert client.post(f"/customers/{customer.pk}/edit/", data).status_code == 302
    with tenant_context(tenant_a):
        customer.refresh_from_db()
    assert customer.nip == "5260001246"


def test_required_field_is_marked_and_enforced_on_the_form(tenant_a):
    with tenant_context(tenant_a):
        f.FieldConfigFactory.create(entity_type="customer", field_name="email", is_required=True)
    client = panel_client(tenant_a)
    form = html(client.get("/customers/new/"))
    email = re.search(r'<div class="field([^"]*)">\s*<label for="id_email"', form)
    assert email and "required" in email.group(1)
    assert re.search(r'<input[^>]*name="email"[^>]*required', form)
    company = re.search(r'<div class="field([^"]*)">\s*<label for="id_company_name"', form)
    assert company and "required" not in company.group(1)

    response = client.post("/customers/new/", {**GOOD, "email": ""})
    assert response.status_code == 400
    assert "This field is required in this account's settings." in field_errors(
        html(response), "email"
    )
    assert count(tenant_a) == 0


def test_a_required_address_cannot_be_cleared_on_edit(tenant_a):
    with tenant_context(tenant_a):
        f.FieldConfigFactory.create(entity_type="customer", field_name="address", is_required=True)
    client = panel_client(tenant_a)
    created = client.post("/customers/new/", GOOD)
    assert created.status_code == 302, html(created)
    with tenant_context(tenant_a):
        customer = Customer.objects.get()
    blanked = {**GOOD, "address_street": "", "address_postal_code": "", "address_city": ""}
    response = client.post(f"/customers/{customer.pk}/edit/", blanked)
    assert response.status_code == 400
    assert "This field is required in this account's settings." in field_errors(
        html(response), "address"
    )
    with tenant_context(tenant_a):
        customer.refresh_from_db()
    assert customer.address_city == GOOD["address_city"]


# --- list ---------------------------------------------------------------------------------


def test_list_searches_filters_and_sorts_with_and_without_htmx(tenant_a):
    with tenant_context(tenant_a):
        # Portal access is off unless granted (tests/test_portal_access.py): Anna's and
        # Zofia's rows are as a grant leaves them.
        f.CustomerFactory.create(name="Anna Kowalska", company_name="Catering AK",
                                 tags=["vip"], nip="5260001246", phone="+48601234567",
                                 is_portal_active=True)  # fmt: skip
        jan = f.CustomerFactory.create(name="Jan Nowak", tags=["hurt"], is_portal_active=False)
        f.CustomerFactory.create(name="Zofia Wiśniewska", email="zofia@firma.pl",
                                 is_portal_active=True)  # fmt: skip
        Customer.objects.filter(pk=jan.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    client = panel_client(tenant_a)

    def names(**query) -> list[str]:
        page = html(client.get("/customers/", query))
        return re.findall(r'<td><a href="/customers/[0-9a-f-]+/">([^<]+)</a>', page)

    assert names() == ["Anna Kowalska", "Jan Nowak", "Zofia Wiśniewska"]
    assert names(q="catering") == ["Anna Kowalska"]
    assert names(q="526-000") == ["Anna Kowalska"]  # NIP digits
    assert names(q="zofia@") == ["Zofia Wiśniewska"]
    assert names(q="hurt") == ["Jan Nowak"]  # a tag
    assert names(q="234 567") == ["Anna Kowalska"]  # phone digits, typed with a space
    assert names(tag="vip") == ["Anna Kowalska"]
    assert names(portal="no") == ["Jan Nowak"]
    week_ago = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert names(created_from=week_ago) == ["Anna Kowalska", "Zofia Wiśniewska"]
    assert names(created_to=week_ago) == ["Jan Nowak"]
    assert names(sort="-name") == ["Zofia Wiśniewska", "Jan Nowak", "Anna Kowalska"]
    assert names(sort="-created")[-1] == "Jan Nowak"
    assert names(sort="nonsense") == names()  # only the offered sorts
    assert names(created_from="not a date") == names()  # a bad date is left out

    # The tag filter offers the tenant's tags.
    page = html(client.get("/customers/"))
    assert (
        '<option value="hurt">hurt</option>' in page and '<option value="vip">vip</option>' in page
    )

    # htmx asks for the results alone (the form swaps them; the URL keeps the query).
    partial = client.get("/customers/", {"q": "nowak"}, HTTP_HX_REQUEST="true")
    body = html(partial)
    assert partial.status_code == 200 and "HX-Request" in partial["Vary"]
    assert body.lstrip().startswith('<section id="customer-results"')
    assert "Jan Nowak" in body and "Anna Kowalska" not in body and "<html" not in body
    full = html(client.get("/customers/", {"q": "nowak"}))
    assert "<html" in full and 'value="nowak"' in full and 'hx-push-url="true"' in full


def test_list_pages_through_many_customers(tenant_a):
    with tenant_context(tenant_a):
        f.CustomerFactory.create_batch(30)
    client = panel_client(tenant_a)
    first = html(client.get("/customers/"))
    assert "1\N{EN DASH}25 of 30" in first and 'rel="next"' in first
    second = html(client.get("/customers/", {"page": 2}))
    assert "26\N{EN DASH}30 of 30" in second


def test_list_and_detail_run_the_same_queries_for_few_and_many_rows(
    tenant_a, django_assert_num_queries
):
    client = panel_client(tenant_a)
    tenant_db = connections[tenant_a.alias]

    def make(n: int) -> Customer:
        with tenant_context(tenant_a):
            customers = f.CustomerFactory.create_batch(n, tags=["a", "b"])
            for customer in customers[:n]:
                f.TimelineEntryFactory.create(customer=customer)
            f.TimelineEntryFactory.create_batch(n, customer=customers[0])
        return customers[0]

    few = make(1)
    client.get("/customers/")  # warm up what a first request caches (session, etc.)
    with CaptureQueriesContext(tenant_db) as list_few:
        assert client.get("/customers/", {"q": ""}).status_code == 200
    with CaptureQueriesContext(tenant_db) as detail_few:
        assert client.get(f"/customers/{few.pk}/").status_code == 200

    many = make(29)
    with django_assert_num_queries(len(list_few), connection=tenant_db):
        response = client.get("/customers/", {"q": ""})
    assert response.content.decode().count('<td><a href="/customers/') == 25
    with django_assert_num_queries(len(detail_few), connection=tenant_db):
        response = client.get(f"/customers/{many.pk}/")
    assert "Full history" in response.content.decode()  # 30 entries: the latest 20 shown
    with django_assert_num_queries(len(detail_few), connection=tenant_db):
        client.get(f"/customers/{few.pk}/timeline/")
    with django_assert_num_queries(len(detail_few), connection=tenant_db):
        client.get(f"/customers/{many.pk}/timeline/")


# --- detail -------------------------------------------------------------------------------


def test_detail_shows_timeline_and_loads_other_apps_sections_lazily(tenant_a):
    with tenant_context(tenant_a):
        customer = f.CustomerFactory.create(name="Anna Kowalska", tags=["vip"], notes="Ring first")
        f.TimelineEntryFactory.create(
            customer=customer, event__event_type="order.created",
            summary={"number": "ZAM/2026/0001", "total_gross": "123.00"},
        )  # fmt: skip
    client = panel_client(tenant_a)
    page = html(client.get(f"/customers/{customer.pk}/"))
    assert "Anna Kowalska" in page and "Ring first" in page and "vip" in page
    assert "Order created" in page and "ZAM/2026/0001" in page
    assert "Full history" not in page
    for section in extensions.detail_sections("customer"):
        from django.urls import reverse, set_urlconf

        set_urlconf("dockpulse.urls_tenant")
        try:
            url = reverse(section.url_name, kwargs={"pk": customer.pk})
        finally:
            set_urlconf(None)
        assert f'hx-get="{url}" hx-trigger="load"' in page
        assert f'<a href="{url}">' in page  # without JavaScript, a plain link


def test_unknown_or_malformed_ids_are_404(tenant_a):
    client = panel_client(tenant_a)
    assert client.get("/customers/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/customers/not-a-uuid/").status_code == 404


# --- CSV ----------------------------------------------------------------------------------

CSV_ONE_BAD = (
    b"name,phone,nip,email\n"
    b"Anna,601 234 567,526-000-12-46,anna@x.pl\n"
    b"Bartek,602 345 678,1234567890,bartek@x.pl\n"
    b"Celina,603 456 789,,celina@x.pl\n"
)
CSV_GOOD = CSV_ONE_BAD.replace(b"1234567890", b"")


def test_import_preview_lists_the_bad_row_and_writes_nothing_then_confirm_writes_all(tenant_a):
    client = panel_client(tenant_a)
    assert "Upload a file" in html(client.get("/customers/import/"))

    preview = client.post("/customers/import/", {"file": csv_upload(CSV_ONE_BAD)})
    assert preview.status_code == 200
    page = html(preview)
    assert "1 row of the file has problems" in page
    row = re.search(r'<tr><td class="num">3</td><td><code>nip</code></td><td>([^<]+)</td>', page)
    assert row and "This is not a valid NIP" in row.group(1)
    assert "Confirm import" not in page
    assert count(tenant_a) == 0

    preview = client.post("/customers/import/", {"file": csv_upload(CSV_GOOD)})
    page = html(preview)
    assert "The file is valid: 3 rows would be imported." in page
    assert count(tenant_a) == 0
    token = token_of(page)

    done = client.post("/customers/import/", {"token": token})
    assert done.status_code == 302 and done["Location"] == "/customers/"
    assert count(tenant_a) == 3
    assert "3 customers imported." in html(client.get("/customers/"))
    # The token is spent.
    again = client.post("/customers/import/", {"token": token})
    assert again.status_code == 400 and count(tenant_a) == 3


def test_import_refuses_a_bad_file_on_its_field(tenant_a):
    client = panel_client(tenant_a)
    response = client.post("/customers/import/", {"file": csv_upload(b"colour;size\nred;L\n")})
    assert response.status_code == 400
    assert "Columns must include name, phone" in field_errors(html(response), "file")
    assert client.post("/customers/import/", {}).status_code == 400


def test_import_token_of_another_user_or_tenant_is_refused(tenant_a, tenant_b):
    admin = panel_client(tenant_a)
    page = html(admin.post("/customers/import/", {"file": csv_upload(CSV_GOOD)}))
    token = token_of(page)

    manager = panel_client(tenant_a, "manager")
    refused = manager.post("/customers/import/", {"token": token})
    assert refused.status_code == 400
    assert "This upload has expired or was not yours." in html(refused)
    other_tenant = panel_client(tenant_b)
    assert other_tenant.post("/customers/import/", {"token": token}).status_code == 400
    assert count(tenant_a) == 0 and count(tenant_b) == 0
    # Still the uploader's own.
    assert admin.post("/customers/import/", {"token": token}).status_code == 302
    assert count(tenant_a) == 3


def test_export_follows_the_filters_and_order(tenant_a):
    with tenant_context(tenant_a):
        f.CustomerFactory.create(name="Anna Kowalska", tags=["vip"])
        f.CustomerFactory.create(name="Bogdan Vip", tags=["vip"])
        f.CustomerFactory.create(name="Jan Nowak", tags=["hurt"])
    client = panel_client(tenant_a)
    response = client.get("/customers/export/", {"tag": "vip", "sort": "-name"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="customers.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("name;company_name;phone;email;nip;")
    assert [line.split(";")[0] for line in lines[1:]] == ["Bogdan Vip", "Anna Kowalska"]
    # The list links to the export with the same filters.
    page = html(client.get("/customers/", {"tag": "vip"}))
    assert 'href="/customers/export/?tag=vip"' in page


# --- roles, modules, isolation ------------------------------------------------------------


def test_employee_reads_but_sees_no_write_buttons_and_gets_403_on_writes(tenant_a):
    with tenant_context(tenant_a):
        customer = f.CustomerFactory.create(name="Jan Nowak")
    employee = panel_client(tenant_a, "employee")
    listing = html(employee.get("/customers/"))
    assert "Jan Nowak" in listing
    assert "/customers/new/" not in listing and "/customers/import/" not in listing
    detail = html(employee.get(f"/customers/{customer.pk}/"))
    assert f"/customers/{customer.pk}/edit/" not in detail
    for url in ("/customers/new/", f"/customers/{customer.pk}/edit/", "/customers/import/",
                "/customers/import/template.csv"):  # fmt: skip
        assert employee.get(url).status_code == 403, url
    assert employee.post("/customers/new/", GOOD).status_code == 403
    assert employee.post(f"/customers/{customer.pk}/edit/", GOOD).status_code == 403
    upload = employee.post("/customers/import/", {"file": csv_upload(CSV_GOOD)})
    assert upload.status_code == 403
    assert count(tenant_a) == 1
    assert employee.get("/customers/export/").status_code == 200  # reading is every role's

    manager = html(panel_client(tenant_a, "manager").get("/customers/"))
    assert "/customers/new/" in manager and "/customers/import/" in manager


def test_every_page_is_404_when_the_module_is_off(tenant_a):
    with tenant_context(tenant_a):
        customer = f.CustomerFactory.create()
        f.TenantModuleFactory.create(module_code="@customers", is_enabled=False)
    client = panel_client(tenant_a)
    for url in _urls(customer.pk):
        assert client.get(url).status_code == 404, url
    assert client.post("/customers/new/", GOOD).status_code == 404
    assert 'href="/customers/"' not in html(client.get("/"))  # nor in the menu


def _urls(pk) -> list[str]:
    return [
        "/customers/", "/customers/export/", "/customers/new/", "/customers/import/",
        "/customers/import/template.csv", f"/customers/{pk}/", f"/customers/{pk}/edit/",
        f"/customers/{pk}/timeline/",
    ]  # fmt: skip


def test_a_session_of_tenant_a_opens_nothing_on_tenant_b(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = f.CustomerFactory.create(name="Beata Tajemnicza")
    with tenant_context(tenant_a):
        ours = f.CustomerFactory.create(name="Anna Nasza")
    client = panel_client(tenant_a)
    for url in _urls(theirs.pk):
        response = client.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert "/login/" in response["Location"]
        assert "Beata" not in response.content.decode()
    # B's customer id on A's host is not found; A's own pages still work.
    client = panel_client(tenant_a)  # the visit to B's host ended the session
    for url in _urls(theirs.pk)[5:]:
        assert client.get(url).status_code == 404, url
    assert "Anna Nasza" in html(client.get(f"/customers/{ours.pk}/"))
    assert client.post(f"/customers/{theirs.pk}/edit/", GOOD).status_code == 404


def test_search_provider_finds_customers_of_this_tenant_only(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        anna = f.CustomerFactory.create(name="Anna Kowalska", nip="5260001246")
    with tenant_context(tenant_b):
        f.CustomerFactory.create(name="Anna Obca", nip="5260001246")
    provider = next(p for p in extensions.search_providers() if p.key == "customers")
    from django.urls import set_urlconf

    set_urlconf("dockpulse.urls_tenant")
    try:
        with tenant_context(tenant_a):
            by_name = provider.find("anna", 10)
            by_nip = provider.find("5260001246", 10)
            by_phone = provider.find(anna.phone[-7:], 10)
            limited = provider.find("a", 0)
    finally:
        set_urlconf(None)
    assert [hit.title for hit in by_name] == ["Anna Kowalska"]
    assert [hit.title for hit in by_nip] == ["Anna Kowalska"]
    assert [hit.url for hit in by_phone] == [f"/customers/{anna.pk}/"]
    assert limited == []


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client(HTTP_HOST="tenant-a.localhost").get("/customers/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the sales sections of a customer's page ------------------------------------------------


def _sections_urls(pk) -> list[str]:
    return [f"/orders/for-customer/{pk}/", f"/quotes/for-customer/{pk}/"]


def test_orders_and_quotes_sections_list_that_customers_documents_newest_first(tenant_a):
    with tenant_context(tenant_a):
        customer = f.CustomerFactory.create(name="Anna Kowalska")
        first = f.OrderFactory.create(customer=customer, lines=[f.LineFactory(unit_price="100.00")])
        second = f.OrderFactory.create(customer=customer)
        other = f.OrderFactory.create()  # someone else's
        quote = f.QuoteFactory.create(customer=customer)
    client = panel_client(tenant_a, "employee")
    detail = html(client.get(f"/customers/{customer.pk}/"))
    assert f'hx-get="/orders/for-customer/{customer.pk}/" hx-trigger="load"' in detail
    assert f'hx-get="/quotes/for-customer/{customer.pk}/" hx-trigger="load"' in detail

    fragment = client.get(f"/orders/for-customer/{customer.pk}/", HTTP_HX_REQUEST="true")
    body = html(fragment)
    assert fragment.status_code == 200 and "<html" not in body
    assert body.index(second.number) < body.index(first.number)  # newest first
    assert other.number not in body
    assert "123.00" in body and "New" in body  # gross total (100 + 23% VAT), status
    # Without JavaScript the link opens the same table inside the layout.
    full = html(client.get(f"/orders/for-customer/{customer.pk}/"))
    assert "<html" in full and "Orders of Anna Kowalska" in full and second.number in full

    quotes = html(client.get(f"/quotes/for-customer/{customer.pk}/", HTTP_HX_REQUEST="true"))
    assert quote.number in quotes and "Draft" in quotes


def test_sections_page_and_run_the_same_queries_for_few_and_many_documents(
    tenant_a, django_assert_num_queries
):
    tenant_db = connections[tenant_a.alias]
    with tenant_context(tenant_a):
        few, many = f.CustomerFactory.create_batch(2)
        f.OrderFactory.create(customer=few)
        f.QuoteFactory.create(customer=few)
        lines = [f.LineFactory(), f.LineFactory()]
        for _ in range(12):
            f.OrderFactory.create(customer=many, lines=lines)
            f.QuoteFactory.create(customer=many, lines=lines)
    client = panel_client(tenant_a)
    client.get("/customers/")
    for url in ("/orders/for-customer/{}/", "/quotes/for-customer/{}/"):
        with CaptureQueriesContext(tenant_db) as queries:
            client.get(url.format(few.pk), HTTP_HX_REQUEST="true")
        with django_assert_num_queries(len(queries), connection=tenant_db):
            page = html(client.get(url.format(many.pk), HTTP_HX_REQUEST="true"))
        assert page.count("<tr>") == 11 and "1\N{EN DASH}10 of 12" in page  # header + 10 rows
        assert f'hx-get="{url.format(many.pk)}?page=2"' in page
        second = html(client.get(url.format(many.pk), {"page": 2}, HTTP_HX_REQUEST="true"))
        assert "11\N{EN DASH}12 of 12" in second


def test_sections_follow_their_modules_and_tenants(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = f.CustomerFactory.create(name="Beata Tajemnicza")
        order = f.OrderFactory.create(customer=theirs)
    with tenant_context(tenant_a):
        ours = f.CustomerFactory.create()
    client = panel_client(tenant_a)
    for url in _sections_urls(theirs.pk):
        assert client.get(url).status_code == 404, url  # B's id on A's host
    for url in _sections_urls(theirs.pk):
        response = client.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code in (302, 403, 404), url
        assert order.number not in response.content.decode()

    client = panel_client(tenant_a)
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@quotes", is_enabled=False)
    assert client.get(f"/quotes/for-customer/{ours.pk}/").status_code == 404
    assert client.get(f"/orders/for-customer/{ours.pk}/").status_code == 200
    detail = html(client.get(f"/customers/{ours.pk}/"))
    assert "/quotes/for-customer/" not in detail and "/orders/for-customer/" in detail


def test_search_finds_orders_and_quotes_of_this_tenant_by_number(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        customer = f.CustomerFactory.create(name="Anna Kowalska")
        order = f.OrderFactory.create(customer=customer)
        quote = f.QuoteFactory.create(customer=customer)
    with tenant_context(tenant_b):
        f.OrderFactory.create()
        f.QuoteFactory.create()
    providers = {p.key: p for p in extensions.search_providers()}
    from django.urls import set_urlconf

    set_urlconf("dockpulse.urls_tenant")
    try:
        with tenant_context(tenant_a):
            orders = providers["orders"].find(order.number[-4:], 10)
            quotes = providers["quotes"].find(quote.number, 10)
            everything = providers["orders"].find("", 10)
    finally:
        set_urlconf(None)
    assert [(hit.title, hit.detail) for hit in orders] == [(order.number, "Anna Kowalska")]
    # An order hit opens the order's page (issue 14).
    assert orders[0].url == f"/orders/{order.pk}/"
    assert [hit.title for hit in quotes] == [quote.number]
    assert len(everything) == 1  # tenant B's order is not among them


def test_the_header_search_finds_customers_and_orders_of_this_tenant_only(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        anna = f.CustomerFactory.create(name="Anna Kowalska")
        order = f.OrderFactory.create(customer=anna)
    with tenant_context(tenant_b):
        f.CustomerFactory.create(name="Anna Obca")
    client = panel_client(tenant_a)
    page = html(client.get("/search/", {"q": "anna"}, HTTP_HX_REQUEST="true"))
    assert "Anna Kowalska" in page and f"/customers/{anna.pk}/" in page
    assert "Anna Obca" not in page
    page = html(client.get("/search/", {"q": order.number}))
    assert order.number in page and f"/orders/{order.pk}/" in page
