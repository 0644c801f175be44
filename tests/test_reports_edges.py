"""The reports at their edges: what a careless or hostile query string, a slow database,
a changed requester or a picky spreadsheet program must never turn into a 500, a wrong
file or a leak (found by review; each test failed before its fix)."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from typing import Any

import pytest
from django.core import mail
from django.db import connections
from django.test import override_settings
from django.utils import translation

from dockpulse.tenancy import tenant_context
from tenant_apps.reports.models import ReportExport
from tenant_apps.reports.periods import DateRange
from tenant_apps.reports.selectors import sales as sales_selectors
from tenant_apps.reports.sql import report_session
from tenant_apps.reports.tasks import export_run
from tests import factories as f
from tests.support import (
    assert_error,
    client_for,
    fields_of,
    host_of,
    make_order,
    panel_client,
    seed,
    staff_user,
)

pytestmark = pytest.mark.django_db(databases="__all__")


def _local_header_version(raw: bytes, name: str) -> tuple[int, bytes]:
    """The 'version needed' and the extra field of `name`'s local file header."""
    archive = zipfile.ZipFile(io.BytesIO(raw))
    info = archive.getinfo(name)
    header = raw[info.header_offset : info.header_offset + 30]
    version = struct.unpack("<H", header[4:6])[0]
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_length
    return version, raw[start : start + extra_length]


def test_the_xlsx_has_no_zip64_headers_excel_would_refuse(tenant_a):
    data = seed(tenant_a)
    make_order(tenant_a, data, (data["P1"], "2"))
    response = panel_client(tenant_a, "manager").get("/reports/sales/export.xlsx")
    assert response.status_code == 200
    raw = response.getvalue()
    version, extra = _local_header_version(raw, "xl/worksheets/sheet1.xml")
    assert version == 20 and extra == b""  # 45 + a zip64 field is what Excel rejects


def test_a_report_past_its_time_limit_is_refused_in_words(tenant_a, monkeypatch):
    seed(tenant_a)
    real_fetch = sales_selectors.fetch

    def slow_fetch(sql: str, params: Any) -> Any:
        real_fetch("SELECT pg_sleep(0.5)", [])
        return real_fetch(sql, params)

    monkeypatch.setattr(sales_selectors, "fetch", slow_fetch)
    with override_settings(REPORTS_STATEMENT_TIMEOUT_MS=100):
        page = panel_client(tenant_a, "manager").get("/reports/sales/")
        assert page.status_code == 503
        assert "This report took too long" in page.content.decode()
        api = client_for(tenant_a, "manager").get("/api/v1/reports/sales/")
        assert_error(api, 503, "report_too_slow")
        export = panel_client(tenant_a, "manager").get("/reports/sales/export.csv")
        assert export.status_code == 302 and export["Location"].startswith("/reports/sales/")


def test_the_time_limit_ends_with_the_report_inside_an_outer_transaction(tenant_a):
    with tenant_context(tenant_a):
        cursor = connections[tenant_a.alias].cursor()
        cursor.execute("SHOW work_mem")
        before = cursor.fetchone()
        with report_session():
            cursor.execute("SHOW work_mem")
            assert cursor.fetchone() == ("64MB",)
        cursor.execute("SHOW work_mem")  # the test's own transaction is still open
        assert cursor.fetchone() == before


@pytest.mark.parametrize("name", ["sales", "stock-value", "low-stock", "top-customers"])
def test_absurd_page_numbers_never_reach_the_database(tenant_a, name):
    seed(tenant_a)
    huge = "9" * 20
    assert panel_client(tenant_a, "manager").get(f"/reports/{name}/?page={huge}").status_code == 200
    api = client_for(tenant_a, "manager")
    for page in (huge, "\u00b2", "-1", "1.5"):
        response = api.get(f"/api/v1/reports/{name}/", {"page": page})
        assert "page" in fields_of(response), page


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("sales", {"date_from": "9999-12-01", "date_to": "9999-12-31"}, "date_to"),
        ("funnel", {"date_from": "9999-12-01", "date_to": "9999-12-30", "grain": "week"},
         "date_to"),
        ("top-customers", {"date_from": "0001-01-01", "date_to": "0001-01-05"}, "date_from"),
        ("stock-value", {"as_of": "0001-01-01"}, "as_of"),
    ],
)  # fmt: skip
def test_days_out_of_any_business_are_a_field_error(tenant_a, name, query, field):
    page = panel_client(tenant_a, "manager").get(f"/reports/{name}/", query)
    assert page.status_code == 400
    assert "Enter a day between 1900-03-01 and 2999-12-31." in page.content.decode()
    api = client_for(tenant_a, "manager").get(f"/api/v1/reports/{name}/", query)
    assert field in fields_of(api)
    export = panel_client(tenant_a, "manager").get(f"/reports/{name}/export.csv", query)
    assert export.status_code == 302  # back to the page, which shows the error


def test_a_whole_month_ending_on_the_range_end_is_named_as_a_month():
    year = DateRange(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    with translation.override("en"):
        assert year.period_label(dt.date(2026, 12, 1), "month") == "December 2026"
        assert year.period_label(dt.date(2026, 1, 1), "month") == "January 2026"
        cut = DateRange(dt.date(2026, 1, 1), dt.date(2026, 12, 30))
        assert cut.period_label(dt.date(2026, 12, 1), "month") != "December 2026"


def test_a_report_of_a_switched_off_source_is_404_for_every_role(tenant_a):
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@orders", is_enabled=False)
    for role in ("employee", "manager"):
        client = panel_client(tenant_a, role)
        assert client.get("/reports/sales/").status_code == 404, role
        assert client.get("/reports/sales/export.csv").status_code == 404, role


def _queued(tenant: Any, user: Any, report: str = "funnel") -> ReportExport:
    with tenant_context(tenant):
        return ReportExport.objects.create(
            report=report, format="csv", requested_by=user, requested_email=user.email,
            language="en", base_url=f"http://{host_of(tenant)}", file_name=f"{report}.csv",
        )  # fmt: skip


@pytest.mark.parametrize("change", ["deactivated", "demoted", "switched_off"])
def test_a_queued_export_is_not_written_for_someone_who_may_no_longer_read_it(tenant_a, change):
    user = staff_user(tenant_a, "manager")
    job = _queued(tenant_a, user)
    with tenant_context(tenant_a):
        if change == "deactivated":
            type(user).objects.filter(pk=user.pk).update(is_active=False)
        elif change == "demoted":
            type(user).objects.filter(pk=user.pk).update(role="employee")
        else:
            f.TenantModuleFactory.create(module_code="@quotes", is_enabled=False)
    assert export_run(str(tenant_a.id), str(job.pk)) == "failed"
    with tenant_context(tenant_a):
        job.refresh_from_db()
    assert job.file == "" and job.error
    # A former colleague's address gets no company news; a demoted one hears why.
    assert len(mail.outbox) == (0 if change == "deactivated" else 1)


@pytest.mark.parametrize(
    "path",
    ["/reports/sales/?group_by=customer", "/reports/sales/?group_by=product",
     "/reports/funnel/", "/reports/stock-value/", "/reports/low-stock/",
     "/reports/top-customers/", "/reports/top-products/"],
)  # fmt: skip
def test_a_report_page_is_a_constant_number_of_queries(tenant_a, path):
    from django.test.utils import CaptureQueriesContext

    from tenant_apps.stock.models import StockLevel
    from tests.support import receive

    data = seed(tenant_a)
    client = panel_client(tenant_a, "manager")
    counts = []
    for more in (1, 6):
        # Each round adds customers, products, orders and low stock levels: more rows
        # in every report, and the page must not ask once per row.
        for _ in range(more):
            with tenant_context(tenant_a):
                customer = f.CustomerFactory.create()
                product = f.ProductFactory.create()
            make_order(tenant_a, {**data, "customer": customer}, (product, "1"), (data["P2"], "2"))
            receive(tenant_a, product, "3")
            with tenant_context(tenant_a):
                StockLevel.objects.filter(product=product).update(low_stock_threshold=10)
        with CaptureQueriesContext(connections[tenant_a.alias]) as queries:
            assert client.get(path).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
