"""The platform's tenants list and a tenant's page (issue 16, "Tenants"): search and
filters, gathered usage figures, a constant number of queries, 404s, isolation, and a
broken tenant that does not stop the gathering (docs/platform.md)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dockpulse.tenancy import platform_context, tenant_context
from platform_app.models import Plan, Tenant, TenantAuditLog, TenantUsage
from platform_app.services.usage import tenant_usage_gather
from platform_app.tasks.usage import usage_gather_all_task
from tenant_apps.customers.models import Customer
from tests.platform_support import HOST, platform_admin_client
from tests.support import TENANT_A_ADMIN, TENANT_A_HOST, TEST_PASSWORD, tokens

pytestmark = pytest.mark.django_db(databases="__all__")


def admin(prefix: str = "tenants") -> Client:
    return platform_admin_client(f"{prefix}-{uuid.uuid4().hex[:8]}@platform.example.com")


def row_tenant(slug: str, **fields: object) -> Tenant:
    """A tenant row without a database (the list never opens tenant databases)."""
    values: dict[str, object] = {
        "name": f"Company {slug}",
        "template": "trade",
        "status": Tenant.Status.ACTIVE,
        "db_name": f"fake_{slug.replace('-', '_')}_{uuid.uuid4().hex[:6]}",
        "migration_state": Tenant.MigrationState.MIGRATED,
        "plan": Plan.objects.get(code="business"),
    }
    values.update(fields)
    with platform_context():
        return Tenant.objects.create(slug=slug, **values)


def slugs_listed(html: str) -> list[str]:
    return re.findall(r'<td class="nowrap address"[^>]*><a href="/tenants/([a-z0-9-]+)/"', html)


def cell(html: str, slug: str, label: str) -> str:
    """The text of one column of one tenant's row."""
    row = re.search(rf'<tr>\s*<td class="nowrap address"[^>]*><a href="/tenants/{slug}/".*?</tr>',
                    html, re.S)  # fmt: skip
    assert row, f"no row for {slug}"
    found = re.search(rf'data-label="{label}">(.*?)</td>', row.group(0), re.S)
    assert found, f"no {label} in the row of {slug}"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_search_and_filters_narrow_the_list():
    client = admin()
    row_tenant("zz-bakery", name="Piekarnia Kłos")
    row_tenant("zz-garage", name="Auto Serwis", status=Tenant.Status.SUSPENDED,
               plan=Plan.objects.get(code="starter"), template="services")  # fmt: skip

    page = client.get("/").content.decode()
    assert {"tenant-a", "tenant-b", "zz-bakery", "zz-garage"} <= set(slugs_listed(page))
    assert 'href="/tenants/tenant-a/"' in page

    assert slugs_listed(client.get("/?q=bakery").content.decode()) == ["zz-bakery"]
    # The name is searched too, case-insensitively.
    assert slugs_listed(client.get("/?q=serwis").content.decode()) == ["zz-garage"]
    suspended = client.get("/?status=suspended").content.decode()
    assert "zz-garage" in slugs_listed(suspended) and "tenant-a" not in slugs_listed(suspended)
    starter = slugs_listed(client.get("/?plan=starter").content.decode())
    assert "zz-garage" in starter and "zz-bakery" not in starter
    services = slugs_listed(client.get("/?template=services&q=zz").content.decode())
    assert services == ["zz-garage"]
    combined = client.get("/?status=active&plan=starter&q=zz").content.decode()
    assert slugs_listed(combined) == [] and "No tenants match these filters." in combined
    # A made-up filter value is no filter, not an error page.
    bad = client.get("/?status=nonsense&q=zz-")
    assert bad.status_code == 200
    assert set(slugs_listed(bad.content.decode())) == {"zz-bakery", "zz-garage"}


def test_the_list_is_paginated(settings):
    settings.PLATFORM_TENANTS_PAGE_SIZE = 2
    client = admin()
    for n in range(3):
        row_tenant(f"zz-page-{n}")
    first = client.get("/?q=zz-page").content.decode()
    assert slugs_listed(first) == ["zz-page-0", "zz-page-1"]
    second = client.get("/?q=zz-page&page=2").content.decode()
    assert slugs_listed(second) == ["zz-page-2"]


def test_figures_are_shown_after_gathering():
    client = admin()
    page = client.get("/").content.decode()
    with tenant_context("tenant-a"):
        Customer.objects.create(name="Nowy Klient", phone=f"+4860{uuid.uuid4().int % 10**7:07d}")
        customers = Customer.objects.count()
    # Refresh on the tenant's page gathers it at once.
    response = client.post("/tenants/tenant-a/refresh/")
    assert response.status_code == 302 and response["Location"] == "/tenants/tenant-a/"
    detail = client.get("/tenants/tenant-a/").content.decode()
    assert "The figures are up to date." in detail
    page = client.get("/").content.decode()
    assert cell(page, "tenant-a", "Customers") == str(customers)
    usage = TenantUsage.objects.get(tenant__slug="tenant-a")
    assert usage.error == "" and usage.gathered_at is not None
    assert usage.users >= 1 and usage.db_size_bytes > 0
    assert cell(page, "tenant-a", "Database size").endswith("MB")
    assert "ago" in cell(page, "tenant-a", "Figures")
    # A tenant never gathered says so instead of zeros.
    row_tenant("zz-new")
    page = client.get("/?q=zz-new").content.decode()
    assert cell(page, "zz-new", "Customers") == "—"
    assert cell(page, "zz-new", "Figures") == "not gathered yet"
    # The refresh is in the audit log, with the admin.
    entry = TenantAuditLog.objects.filter(action="platform.usage_refreshed").first()
    assert entry is not None and entry.tenant_slug == "tenant-a" and entry.admin_email


def test_refresh_all_queues_the_task(django_capture_on_commit_callbacks):
    client = admin()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/", {"query": "status=active&q=tenant"})
    assert response.status_code == 302 and response["Location"] == "/?status=active&q=tenant"
    assert len(callbacks) == 1
    page = client.get(response["Location"]).content.decode()
    assert "The figures of every tenant are being gathered" in page
    entry = TenantAuditLog.objects.filter(action="platform.usage_refreshed").first()
    assert entry is not None and entry.tenant is None and entry.details == {"scope": "all"}


def test_the_list_is_a_constant_number_of_queries():
    client = admin()
    for n in range(3):
        row_tenant(f"zz-q{n}")
    client.get("/")  # the session's first-request work out of the way

    def queries() -> int:
        with CaptureQueriesContext(connections["default"]) as captured:
            assert client.get("/").status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for n in range(30):
        tenant = row_tenant(f"zz-more-{n:02d}")
        TenantUsage.objects.create(tenant=tenant, users=n, customers=n * 10,
                                   db_size_bytes=10**7)  # fmt: skip
    assert queries() == few
    assert few <= 10, few


def test_the_detail_page_shows_the_tenant_and_its_audit():
    client = admin()
    tenant = Tenant.objects.get(slug="tenant-a")
    tenant_usage_gather(tenant=tenant)
    with platform_context():
        TenantAuditLog.objects.create(tenant=tenant, tenant_slug="tenant-a",
                                      action="tenant.suspended", actor="test",
                                      details={"reason": "unpaid"})  # fmt: skip
    response = client.get("/tenants/tenant-a/")
    assert response.status_code == 200
    page = response.content.decode()
    assert tenant.db_name in page and tenant.get_template_display() in page
    assert "Up to date" in page  # the migration state
    assert "Tenant suspended" in page and "unpaid" in page  # the audit entry, in words
    assert 'href="/audit/?tenant=tenant-a"' in page
    assert response.context["tenant"] == tenant
    assert response.context["usage"].tenant_id == tenant.pk


def test_unknown_tenant_is_404():
    client = admin()
    assert client.get("/tenants/no-such-tenant/").status_code == 404
    assert client.post("/tenants/no-such-tenant/refresh/").status_code == 404
    # The refresh is a POST only.
    assert client.get("/tenants/tenant-a/refresh/").status_code == 405


def test_a_tenants_staff_session_and_token_never_reach_the_tenants_pages():
    staff = Client(HTTP_HOST=TENANT_A_HOST)
    login = staff.post("/login/", {"username": TENANT_A_ADMIN, "password": TEST_PASSWORD})
    assert login.status_code == 302
    stolen = Client(HTTP_HOST=HOST)
    stolen.cookies["sessionid"] = staff.cookies["sessionid"].value
    bearer = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {tokens()['access']}")
    for client in (stolen, bearer):
        for path in ("/", "/tenants/tenant-a/", "/?q=tenant"):
            response = client.get(path)
            assert response.status_code == 302 and response["Location"].startswith("/login/")
        response = client.post("/tenants/tenant-a/refresh/")
        assert response.status_code in (302, 403)
    assert not TenantAuditLog.objects.filter(action="platform.usage_refreshed").exists()


def test_a_broken_tenant_is_recorded_and_the_rest_are_gathered():
    broken = row_tenant("zz-broken")  # its database does not exist
    before = TenantUsage.objects.create(tenant=broken, customers=7)
    # The beat's task, run here in-process: it loops over every tenant with a database.
    gathered = usage_gather_all_task.apply().get()
    assert gathered >= 2  # tenant-a and tenant-b at least
    before.refresh_from_db()
    assert before.error and before.customers == 7  # the old figures stay, with the error
    assert TenantUsage.objects.get(tenant__slug="tenant-a").error == ""
    assert TenantUsage.objects.get(tenant__slug="tenant-b").gathered_at is not None
    page = admin().get("/?q=zz-broken").content.decode()
    assert "error" in cell(page, "zz-broken", "Figures")


def test_the_create_forms_address_is_not_a_tenants_page():
    client = admin()
    # tenants/new/ belongs to the create form (another view), never "no tenant new".
    response = client.get("/tenants/new/")
    assert response.status_code != 404 or b"There is no tenant new" not in response.content
    assert response.resolver_match is None or response.resolver_match.url_name != (
        "platform_tenant_detail"
    )
