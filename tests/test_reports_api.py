"""The reports over the API: every report as JSON, bad filters as per-field 400s, the
matrix and the modules (403/404), exports inline and in the background, and tenant
isolation for every endpoint (tenant A's token is a 401 on B; B's export ids are 404 on A).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from dockpulse.actors import SYSTEM, staff_actor
from dockpulse.tenancy import tenant_context
from tenant_apps.configuration.models import TenantModule
from tenant_apps.reports.exports.services import report_export_run
from tenant_apps.reports.models import ReportExport
from tenant_apps.reports.registry import REPORTS
from tenant_apps.sales import services as sales
from tenant_apps.sales.inputs import quote_input
from tenant_apps.sales.models import Order
from tenant_apps.stock import services as stock
from tests.support import (
    assert_error,
    client_for,
    fields_of,
    host_of,
    level_of,
    make_order,
    quote_body,
    receive,
    seed,
    staff_user,
)

pytestmark = pytest.mark.django_db(databases="__all__")

DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
# What each report's table has, at least (the selectors' columns).
COLUMNS = {
    "sales": ["period", "orders", "net", "vat", "gross"],
    "funnel": ["period", "created", "sent", "open", "accepted", "rejected", "expired",
               "conversion", "accepted_net"],
    "stock-value": ["product_code", "product_name", "category", "warehouse", "quantity", "unit",
                    "price", "value"],
    "low-stock": ["product_code", "product_name", "warehouse", "on_hand", "reserved",
                  "available", "threshold", "shortfall", "unit", "cover"],
    "top-customers": ["rank", "customer", "orders", "net", "gross", "share", "last_order"],
    "top-products": ["rank", "product_code", "product_name", "category", "orders", "quantity",
                     "unit", "net", "gross", "share"],
}  # fmt: skip
MANAGERS_ONLY = ["sales", "funnel", "stock-value", "top-customers", "top-products"]


def url(name: str) -> str:
    return f"/api/v1/reports/{name}/"


def today(tenant: Any) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(tenant.time_zone))


@pytest.fixture
def world(tenant_a: Any) -> dict[str, Any]:
    """An order (today), stock with a low level, and a rejected quote in tenant A."""
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "10")
    order = make_order(tenant_a, data, (data["P1"], "2"), (data["P2"], "1.5"))
    manager = staff_actor(staff_user(tenant_a, "manager"))
    with tenant_context(tenant_a):
        stock.stock_level_update(
            level=level_of(tenant_a, data["P1"]), low_stock_threshold=Decimal("20"), actor=SYSTEM
        )
        quote = sales.quote_create(values=quote_input(quote_body(data)), actor=manager)
        quote = sales.quote_send(quote=quote, actor=SYSTEM, email=False).quote
        sales.quote_reject(quote=quote, actor=manager, reason="Too expensive")
        order = Order.objects.get(pk=order.pk)
    return {**data, "order": order}


def switch(tenant: Any, module: str, on: bool) -> None:
    with tenant_context(tenant):
        TenantModule.objects.filter(module_code=module).update(is_enabled=on)


# --- the index ----------------------------------------------------------------------------


def test_the_index_lists_the_reports_the_role_may_read(tenant_a):
    admin = client_for(tenant_a, "admin").get("/api/v1/reports/")
    assert admin.status_code == 200
    listed = {r["name"]: r for r in admin.json()}
    assert list(listed) == list(REPORTS)
    sales_info = listed["sales"]
    assert sales_info["label"] == "Sales" and sales_info["description"]
    assert sales_info["url"] == "http://tenant-a.localhost/api/v1/reports/sales/"
    assert sales_info["exports"] == ["report", "lines"]
    fields = {f["name"]: f for f in sales_info["filters"]}
    assert list(fields) == ["date_from", "date_to", "grain", "group_by"]
    assert fields["date_from"]["type"] == "date"
    assert [c["value"] for c in fields["grain"]["choices"]] == ["day", "week", "month"]
    assert {f["name"]: f["type"] for f in listed["stock-value"]["filters"]} == {
        "as_of": "date", "warehouse": "choice", "category": "choice", "include_zero": "boolean"
    }  # fmt: skip
    assert listed["top-products"]["filters"][-1] == {
        "name": "limit", "label": "How many", "type": "integer", "min": 1, "max": 500
    }  # fmt: skip
    employee = client_for(tenant_a, "employee").get("/api/v1/reports/")
    assert [r["name"] for r in employee.json()] == ["low-stock"]


# --- every report -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_answers_its_figures(tenant_a, world, name):
    response = client_for(tenant_a, "manager").get(url(name))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"report", "label", "filters", "columns", "rows", "totals", "count",
                         "page", "page_size", "chart", "more"}  # fmt: skip
    assert body["report"] == name
    keys = [c["key"] for c in body["columns"]]
    assert keys == COLUMNS[name]
    assert body["count"] >= 1 and body["rows"], body
    assert body["page"] == 1 and body["page_size"] == 100
    kinds = {c["key"]: c["kind"] for c in body["columns"]}
    for row in body["rows"]:
        assert set(keys) <= set(row)
        for key, kind in kinds.items():
            value = row[key]
            if kind in ("money", "quantity", "percent") and value is not None:
                assert isinstance(value, str) and DECIMAL.match(value), (key, value)
            elif kind == "count":
                assert isinstance(value, int), (key, value)
            elif kind == "date":
                dt.date.fromisoformat(value)
    for point in body["chart"]:
        assert set(point) == {"key", "label", "value"}
        assert isinstance(point["value"], int) or DECIMAL.match(point["value"])


def test_the_figures_are_the_orders(tenant_a, world):
    client = client_for(tenant_a, "admin")
    order, day = world["order"], today(tenant_a).isoformat()
    body = client.get(url("sales"), {"date_from": day, "date_to": day}).json()
    assert body["filters"] == {"date_from": day, "date_to": day, "grain": "day", "group_by": ""}
    money = {"net": str(order.total_net), "vat": str(order.total_vat),
             "gross": str(order.total_gross)}  # fmt: skip
    (row,) = body["rows"]
    assert row == {"period": day, "period_label": row["period_label"], "orders": 1, **money}
    assert body["totals"] == {"orders": 1, **money}
    assert body["chart"] == [{"key": day, "label": row["period_label"], "value": money["gross"]}]
    grouped = client.get(url("sales"), {"date_from": day, "group_by": "product"}).json()
    assert {r["group_label"]: r["quantity"] for r in grouped["rows"]} == {
        "P1 Product P1": "2.000", "P2 Product P2": "1.500"}  # fmt: skip
    funnel = client.get(url("funnel")).json()
    assert funnel["totals"]["rejected"] == 1 and funnel["totals"]["conversion"] == "0.0"
    (reasons,) = funnel["more"]
    assert reasons["rows"] == [{"reason": "Too expensive", "quotes": 1, "share": "100.0"}]
    assert reasons["totals"] == {"quotes": 1}
    value = client.get(url("stock-value")).json()
    assert value["filters"] == {"as_of": today(tenant_a).isoformat(), "warehouse": None,
                                "category": "", "include_zero": False}  # fmt: skip
    # 10 received; the order's reservation is no movement of on_hand.
    assert [(r["product_code"], r["quantity"], r["value"]) for r in value["rows"]] == [
        ("P1", "10.000", "199.90")]  # fmt: skip
    low = client.get(url("low-stock")).json()
    assert [(r["product_code"], r["available"], r["threshold"]) for r in low["rows"]] == [
        ("P1", "10.000", "20.000")]  # fmt: skip
    assert low["totals"] is None
    top = client.get(url("top-customers")).json()
    assert top["filters"]["limit"] == 20 and set(top["filters"]) == {"date_from", "date_to",
                                                                     "limit"}  # fmt: skip
    assert [(r["customer"], r["gross"], r["share"]) for r in top["rows"]] == [
        ("Anna Kowalska", str(order.total_gross), "100.0")]  # fmt: skip
    assert top["rows"][0]["customer_id"] == str(order.customer_id)


def test_pages_of_a_report(tenant_a, world):
    client = client_for(tenant_a, "admin")
    first = client.get(url("sales"), {"page_size": 7}).json()
    assert (first["count"], first["page"], first["page_size"], len(first["rows"])) == (30, 1, 7, 7)
    last = client.get(url("sales"), {"page_size": 7, "page": 5}).json()
    assert len(last["rows"]) == 2  # 30 days = 4 x 7 + 2
    assert last["rows"][-1]["period"] == today(tenant_a).isoformat()
    assert last["totals"] == first["totals"]  # of every row, not of the page
    beyond = client.get(url("sales"), {"page_size": 7, "page": 9}).json()
    assert beyond["rows"] == [] and beyond["count"] == 30
    assert client.get(url("sales"), {"page_size": 5000}).json()["page_size"] == 1000
    grouped = client.get(url("sales"), {"group_by": "product", "page_size": "1", "page": "5"})
    assert grouped.json()["rows"] == [] and grouped.json()["count"] == 2
    # The rankings' rows are cut into pages here too.
    top = client.get(url("top-products"), {"page_size": 1, "page": 2}).json()
    assert top["count"] == 2 and [r["rank"] for r in top["rows"]] == [2]


# --- bad filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("sales", {"date_from": "2026-13-01"}, "date_from"),
        ("sales", {"date_to": "yesterday"}, "date_to"),
        ("sales", {"grain": "year"}, "grain"),
        ("sales", {"group_by": "colour"}, "group_by"),
        ("funnel", {"date_from": "2020-01-01", "date_to": "2035-01-01"}, "date_from"),
        ("stock-value", {"warehouse": str(uuid.uuid4())}, "warehouse"),
        ("top-customers", {"limit": "0"}, "limit"),
        ("top-products", {"by": "colour"}, "by"),
        ("low-stock", {"page": "0"}, "page"),
        ("low-stock", {"page_size": "many"}, "page_size"),
    ],
)
def test_a_bad_filter_is_a_400_on_its_field(tenant_a, name, query, field):
    response = client_for(tenant_a, "admin").get(url(name), query)
    assert_error(response, 400, "invalid")
    assert list(fields_of(response)) == [field]


def test_a_reversed_range_and_a_future_day_are_named(tenant_a):
    client = client_for(tenant_a, "admin")
    reversed_range = client.get(url("sales"), {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert fields_of(reversed_range) == {"date_to": ["The end of the range is before its start."]}
    tomorrow = (today(tenant_a) + dt.timedelta(days=1)).isoformat()
    future = client.get(url("stock-value"), {"as_of": tomorrow})
    assert fields_of(future) == {"as_of": ["Stock is known up to today, not for a later day."]}
    # Today itself is fine, and so is the export of it.
    assert client.get(url("stock-value"), {"as_of": today(tenant_a).isoformat()}).status_code == 200
    exported = client.get(url("stock-value") + "export/", {"as_of": tomorrow, "format": "csv"})
    assert list(fields_of(exported)) == ["as_of"]


def test_an_unknown_report_is_a_404(tenant_a):
    client = client_for(tenant_a, "admin")
    for path in ("/api/v1/reports/profits/", "/api/v1/reports/profits/export/?format=csv"):
        assert_error(client.get(path), 404, "not_found")


# --- roles and modules ----------------------------------------------------------------------


@pytest.mark.parametrize("name", MANAGERS_ONLY)
def test_an_employee_may_not_read_the_money(tenant_a, name):
    client = client_for(tenant_a, "employee")
    assert_error(client.get(url(name)), 403, "permission_denied")
    assert_error(client.get(url(name) + "export/", {"format": "csv"}), 403, "permission_denied")


def test_an_employee_reads_low_stock(tenant_a, world):
    client = client_for(tenant_a, "employee")
    assert client.get(url("low-stock")).status_code == 200
    exported = client.get(url("low-stock") + "export/", {"format": "csv"})
    assert exported.status_code == 200
    assert b"P1" in exported.getvalue()


def test_reports_off_is_a_404_everywhere(tenant_a):
    client = client_for(tenant_a, "admin")
    switch(tenant_a, "@reports", False)
    paths = ["/api/v1/reports/", "/api/v1/reports/exports/",
             f"/api/v1/reports/exports/{uuid.uuid4()}/"]  # fmt: skip
    paths += [url(name) for name in REPORTS] + [url(name) + "export/" for name in REPORTS]
    for path in paths:
        assert_error(client.get(path, {"format": "csv"}), 404, "not_found")


@pytest.mark.parametrize(
    ("module", "gone"),
    [("@stock", {"stock-value", "low-stock"}), ("@quotes", {"funnel"}),
     ("@orders", {"sales", "top-customers", "top-products"})],
)  # fmt: skip
def test_a_report_of_a_module_that_is_off_is_a_404(tenant_a, module, gone):
    client = client_for(tenant_a, "admin")
    switch(tenant_a, module, False)
    for name in REPORTS:
        response = client.get(url(name))
        if name in gone:
            assert_error(response, 404, "not_found")
            assert_error(client.get(url(name) + "export/", {"format": "csv"}), 404, "not_found")
        else:
            assert response.status_code == 200, name
    listed = {r["name"] for r in client.get("/api/v1/reports/").json()}
    assert listed == set(REPORTS) - gone


# --- exports --------------------------------------------------------------------------------


def test_a_small_export_is_the_file(tenant_a, world):
    client = client_for(tenant_a, "admin")
    csv = client.get(url("sales") + "export/", {"format": "csv", "group_by": "customer"})
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert "attachment" in csv["Content-Disposition"]
    content = csv.getvalue().decode("utf-8-sig")
    assert "Anna Kowalska" in content
    lines = client.get(url("sales") + "export/", {"format": "xlsx", "what": "lines"})
    assert lines.status_code == 200
    assert lines["Content-Type"].startswith("application/vnd.openxmlformats")
    assert lines.getvalue()[:2] == b"PK"  # a zip
    bad = client.get(url("sales") + "export/", {"format": "pdf"})
    assert list(fields_of(bad)) == ["format"]
    no_lines = client.get(url("funnel") + "export/", {"format": "csv", "what": "lines"})
    assert list(fields_of(no_lines)) == ["what"]


@override_settings(REPORTS_EXPORT_INLINE_ROWS=0)
def test_a_big_export_runs_in_the_background(tenant_a, world):
    client = client_for(tenant_a, "manager")
    started = client.get(url("stock-value") + "export/", {"format": "csv"})
    assert started.status_code == 202, started.content
    body = started.json()
    assert body["status"] == "queued" and body["rows"] == 1
    assert body["status_url"] == f"http://tenant-a.localhost/api/v1/reports/exports/{body['id']}/"
    status = client.get(body["status_url"]).json()
    assert (status["status"], status["percent"], status["download_url"]) == ("queued", 0, None)
    download = f"/api/v1/reports/exports/{body['id']}/download/"
    assert_error(client.get(download), 409, "export_not_ready")
    # The task's work, as the worker does it.
    with tenant_context(tenant_a):
        assert report_export_run(export_id=body["id"]) == "done"
    status = client.get(body["status_url"]).json()
    assert (status["status"], status["percent"], status["rows_written"]) == ("done", 100, 1)
    assert status["download_url"] == f"http://tenant-a.localhost{download}"
    assert status["file_name"].startswith("stock-value-") and status["report"] == "stock-value"
    got = client.get(download)
    assert got.status_code == 200
    assert "P1" in got.getvalue().decode("utf-8-sig")
    listed = client.get("/api/v1/reports/exports/").json()
    assert [e["id"] for e in listed["results"]] == [body["id"]]
    # Only the requester sees it; a manager demoted to employee no longer downloads it.
    other = client_for(tenant_a, "admin")
    assert_error(other.get(body["status_url"]), 404, "not_found")
    assert_error(other.get(download), 404, "not_found")
    assert other.get("/api/v1/reports/exports/").json()["results"] == []
    with tenant_context(tenant_a):
        ReportExport.objects.filter(pk=body["id"]).update(status=ReportExport.Status.EXPIRED,
                                                          file="")  # fmt: skip
    assert_error(client.get(download), 410, "export_expired")


def test_a_demoted_user_no_longer_downloads(tenant_a, world):
    manager = staff_user(tenant_a, "manager")
    client = client_for(tenant_a, "manager")
    with override_settings(REPORTS_EXPORT_INLINE_ROWS=0):
        job = client.get(url("stock-value") + "export/", {"format": "xlsx"}).json()
    with tenant_context(tenant_a):
        assert report_export_run(export_id=job["id"]) == "done"
        type(manager).objects.filter(pk=manager.pk).update(role="employee")
    # Role changes reach tokens at once? Not necessarily: a fresh token as the employee.
    client = client_for(tenant_a, "manager")
    assert_error(client.get(f"/api/v1/reports/exports/{job['id']}/download/"), 403,
                 "permission_denied")  # fmt: skip


# --- isolation ------------------------------------------------------------------------------


def _every_path(export_id: str) -> list[str]:
    paths = ["/api/v1/reports/", "/api/v1/reports/exports/",
             f"/api/v1/reports/exports/{export_id}/",
             f"/api/v1/reports/exports/{export_id}/download/"]  # fmt: skip
    for name in REPORTS:
        paths += [url(name), url(name) + "export/?format=csv", url(name) + "export/?format=xlsx"]
    return paths


def b_export(tenant_b: Any) -> str:
    """An export queued on tenant B by B's admin (B has stock, so it has a row)."""
    receive(tenant_b, seed(tenant_b)["P1"], "3")
    with override_settings(REPORTS_EXPORT_INLINE_ROWS=0):
        started = client_for(tenant_b, "admin").get(url("stock-value") + "export/",
                                                    {"format": "csv"})  # fmt: skip
    assert started.status_code == 202, started.content
    return str(started.json()["id"])


@override_settings(REPORTS_EXPORT_INLINE_ROWS=0)
def test_tenant_a_token_is_refused_on_tenant_b(tenant_a, tenant_b):
    job_id = b_export(tenant_b)
    client = client_for(tenant_a, "admin")
    for path in _every_path(job_id):
        response = client.get(path, HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 401, (path, response.status_code)
    # ... and nothing started on B.
    with tenant_context(tenant_b):
        assert ReportExport.objects.count() == 1


def test_tenant_b_export_ids_are_404_on_tenant_a(tenant_a, tenant_b):
    job_id = b_export(tenant_b)
    with tenant_context(tenant_b):
        assert report_export_run(export_id=job_id) == "done"
    client = client_for(tenant_a, "admin")
    for path in (
        f"/api/v1/reports/exports/{job_id}/",
        f"/api/v1/reports/exports/{job_id}/download/",
    ):
        assert_error(client.get(path), 404, "not_found")
    assert client.get("/api/v1/reports/exports/").json()["results"] == []
    assert_error(client.get("/api/v1/reports/exports/not-an-id/"), 404, "not_found")
