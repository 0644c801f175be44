"""Report exports: CSV and XLSX files hold the report's rows (numbers as numbers, dates as
dates, formulas defused), small ones answer in the response, big ones are queued, written
by the Celery task with progress and e-mailed; only the requester downloads them, never
another user or tenant; roles and the module switch; the clean-up; `report.exported`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
import zipfile
from decimal import Decimal as D
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from django.core import mail
from django.http import QueryDict
from django.test import override_settings
from django.utils import timezone

from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.reports.exports import services, writers
from tenant_apps.reports.models import ReportExport
from tenant_apps.reports.periods import tenant_today
from tenant_apps.reports.registry import REPORTS, report_run
from tenant_apps.reports.tasks import export_run
from tests import factories as f
from tests.bus_support import Bus, wait_until
from tests.support import host_of, html, mails_to, make_order, panel_client, seed, staff_user

# Not module-wide: the real worker's test commits, on a tenant of its own.
DB = pytest.mark.django_db(databases="__all__")

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _orders(tenant: Any) -> dict[str, Any]:
    data = seed(tenant)
    make_order(tenant, data, (data["P1"], "2"), (data["P2"], "1.5"))
    make_order(tenant, data, (data["P1"], "1"), ("=SUM(A1:A9)", "3"))
    return data


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _csv(raw: bytes) -> list[list[str]]:
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def today_of(tenant: Any) -> dt.date:
    with tenant_context(tenant):
        return tenant_today()


def _range(tenant: Any, days: int = 30) -> tuple[dt.date, dt.date]:
    today = today_of(tenant)
    return today - dt.timedelta(days=days - 1), today


# --- reading an XLSX by its XML (what the writer wrote; openpyxl reads it too, below) ---


class Sheet:
    def __init__(self, raw: bytes) -> None:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        assert archive.testzip() is None
        self.xml = archive.read("xl/worksheets/sheet1.xml").decode()
        # The XML is the test's own file, written by exports/xlsx.py a moment ago.
        sheet = ET.fromstring(self.xml)  # noqa: S314
        styles = ET.fromstring(archive.read("xl/styles.xml"))  # noqa: S314
        formats = {
            n.get("numFmtId"): n.get("formatCode") for n in styles.iterfind(".//x:numFmt", NS)
        }
        xfs = styles.find("x:cellXfs", NS)
        assert xfs is not None
        self.styles = [(formats.get(xf.get("numFmtId") or "0", ""), xf.get("fontId")) for xf in xfs]
        self.fonts = list(styles.iterfind("x:fonts/x:font", NS))
        self.rows: list[list[dict[str, Any]]] = []
        for row in sheet.iterfind(".//x:sheetData/x:row", NS):
            # Empty cells are not written: place each by its reference (B2 -> column 1).
            cells: list[dict[str, Any]] = []
            for c in row.iterfind("x:c", NS):
                letters = re.match(r"[A-Z]+", c.get("r") or "").group(0)  # type: ignore[union-attr]
                column = 0
                for letter in letters:
                    column = column * 26 + ord(letter) - 64
                cells += [{"type": "empty", "value": None}] * (column - 1 - len(cells))
                style = self.styles[int(c.get("s") or 0)]
                if c.get("t") == "inlineStr":
                    text = "".join(t.text or "" for t in c.iterfind(".//x:t", NS))
                    cells.append({"type": "string", "value": text, "format": style[0]})
                else:
                    v = c.find("x:v", NS)
                    assert c.find("x:f", NS) is None, "no formulas"
                    cells.append({"type": "number", "value": float(v.text or 0) if v is not None
                                  else None, "format": style[0], "font": style[1]})  # fmt: skip
            self.rows.append(cells)

    def header_bold(self) -> bool:
        first = self.xml.split('<c r="A1"', 1)[1]
        style = int(re.match(r'\s*s="(\d+)"', first).group(1))  # type: ignore[union-attr]
        font = self.fonts[int(self.styles[style][1] or 0)]
        return font.find("x:b", NS) is not None


def excel_day(day: dt.date) -> float:
    return float((day - dt.date(1899, 12, 30)).days)


# --- the files -----------------------------------------------------------------------------


@DB
def test_csv_holds_the_reports_rows_in_csvio_conventions(tenant_a):
    _orders(tenant_a)
    start, end = _range(tenant_a)
    client = panel_client(tenant_a, "manager")
    query = {"date_from": start.isoformat(), "group_by": "product", "grain": "month"}
    response = client.get("/reports/sales/export.csv", query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="sales-{start.isoformat()}-{end.isoformat()}.csv"'
    )
    rows = _csv(_body(response))
    assert rows[0] == ["Period", "Product", "Order lines", "Quantity", "Net", "VAT", "Gross"]
    with tenant_context(tenant_a):
        form = REPORTS["sales"].form(query)
        assert form.is_valid()
        expected = report_run(REPORTS["sales"], form.filters()).table.rows
    assert len(rows) - 1 == len(expected) == 3  # P1, P2 and the line without a product
    for cells, row in zip(rows[1:], expected, strict=True):
        assert cells[0] == row["period"].isoformat()
        assert cells[1] == row["group_label"]
        assert int(cells[2]) == row["orders"]
        # Numbers with a dot and no grouping, as the app's other CSV exports.
        assert [D(c) for c in cells[3:]] == [row[k] for k in ("quantity", "net", "vat", "gross")]
        assert re.fullmatch(r"-?\d+\.\d{2}", cells[4])


@DB
def test_csv_lines_defuse_formulas_and_stay_in_the_request(tenant_a):
    _orders(tenant_a)
    client = panel_client(tenant_a, "manager")
    response = client.get("/reports/sales/export.csv", {"what": "lines"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="sales-lines-')
    rows = _csv(_body(response))
    assert len(rows) == 1 + 4
    descriptions = [r[5] for r in rows[1:]]
    assert "'=SUM(A1:A9)" in descriptions  # prefixed: a spreadsheet shows it as text
    assert not ReportExport.objects.using(tenant_a.alias).exists()


@DB
def test_xlsx_has_typed_cells_a_bold_frozen_header_and_widths(tenant_a):
    _orders(tenant_a)
    start, end = _range(tenant_a)
    client = panel_client(tenant_a, "manager")
    response = client.get("/reports/sales/export.xlsx", {"what": "lines"})
    assert response.status_code == 200
    assert response["Content-Type"] == writers.XLSX_MIME
    assert (
        f"sales-lines-{start.isoformat()}-{end.isoformat()}.xlsx" in response["Content-Disposition"]
    )
    sheet = Sheet(_body(response))
    assert sheet.header_bold()
    assert 'ySplit="1"' in sheet.xml and 'state="frozen"' in sheet.xml
    assert "<cols>" in sheet.xml and "<autoFilter" in sheet.xml
    header = [c["value"] for c in sheet.rows[0]]
    assert header[:3] == ["Date", "Order", "Status"] and len(header) == 16
    assert len(sheet.rows) == 1 + 4
    by_description = {r[5]["value"]: r for r in sheet.rows[1:]}
    formula = by_description["=SUM(A1:A9)"]  # text, not a formula (Sheet refuses <f>)
    assert formula[5]["type"] == "string"
    line = by_description["Product P2"]
    assert line[0] == {"type": "number", "value": excel_day(end), "format": "yyyy-mm-dd",
                       "font": line[0]["font"]}  # fmt: skip
    quantity, price = line[7], line[9]
    assert (quantity["type"], quantity["value"], quantity["format"]) == ("number", 1.5, "#,##0.000")
    assert (price["type"], price["value"], price["format"]) == ("number", 4.1, "#,##0.00")
    assert line[10]["format"] == "0.0%"  # the discount, 0 %


@DB
def test_a_spreadsheet_program_reads_the_xlsx_back(tenant_a):
    """openpyxl, as an independent reader of Office Open XML: the values, their types and
    formats, the frozen header, the autofilter, and a formula-looking text kept as text."""
    _orders(tenant_a)
    start, end = _range(tenant_a)
    client = panel_client(tenant_a, "manager")
    raw = _body(client.get("/reports/sales/export.xlsx", {"what": "lines"}))
    book = openpyxl.load_workbook(io.BytesIO(raw))
    sheet = book.active
    assert sheet.title == "Sales"  # the report's name
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:P5"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Date", "Order", "Status") and len(rows) == 5
    assert all(cell.font.b for cell in sheet[1])
    by_description = {row[5]: (row, sheet[number + 1]) for number, row in enumerate(rows)}
    values, cells = by_description["Product P2"]
    assert values[0] == dt.datetime.combine(end, dt.time()) and cells[0].is_date
    assert (values[7], cells[7].number_format) == (1.5, "#,##0.000")
    assert (values[9], cells[9].number_format) == (4.1, "#,##0.00")
    assert (values[10], cells[10].number_format) == (0, "0.0%")
    _formula, cells = by_description["=SUM(A1:A9)"]
    assert cells[5].data_type == "s"  # a string, not a formula ("f")
    assert start <= values[0].date() <= end


@DB
def test_funnel_percent_is_a_fraction_with_a_percent_format(tenant_a):
    client = panel_client(tenant_a, "manager")
    sheet = Sheet(_body(client.get("/reports/funnel/export.xlsx", {"grain": "month"})))
    header = [c["value"] for c in sheet.rows[0]]
    assert "Conversion %" in header
    for row in sheet.rows[1:]:
        assert row[0]["format"] == "yyyy-mm-dd"
        assert all(c["type"] == "number" for c in row[1:7])


@DB
def test_filters_round_trip_through_the_stored_params(tenant_a):
    today = today_of(tenant_a)
    cases = {
        "sales": "date_from=2026-01-01&date_to=2026-03-31&grain=week&group_by=staff",
        "funnel": "grain=month",
        "stock-value": f"as_of={(today - dt.timedelta(days=3)).isoformat()}&include_zero=on",
        "low-stock": "",
        "top-customers": "limit=7",
        "top-products": "by=quantity&limit=5",
    }
    with tenant_context(tenant_a):
        for name, query in cases.items():
            report = REPORTS[name]
            form = report.form(QueryDict(query))
            assert form.is_valid(), (name, form.errors)
            params = services.filters_params(form.filters())
            again = report.form(params)
            assert again.is_valid() and again.filters() == form.filters(), name
    # Defaults are made explicit: the task exports the day that was asked for.
    with tenant_context(tenant_a):
        form = REPORTS["stock-value"].form(QueryDict(""))
        assert form.is_valid()
        assert services.filters_params(form.filters())["as_of"] == today.isoformat()


# --- the background export ---------------------------------------------------------------


@DB
@override_settings(REPORTS_EXPORT_INLINE_ROWS=3)
def test_big_export_is_queued_written_with_progress_mailed_and_only_the_requester_downloads(
    tenant_a, tenant_b, django_capture_on_commit_callbacks, monkeypatch
):
    manager = staff_user(tenant_a, "manager")
    client = panel_client(tenant_a, "manager")
    with django_capture_on_commit_callbacks(using=tenant_a.alias) as queued:
        # 90 days per week: 13 or 14 rows, past the limit of 3.
        response = client.get("/reports/funnel/export.xlsx")
    assert response.status_code == 302 and response["Location"] == "/reports/exports/"
    with tenant_context(tenant_a):
        job = ReportExport.objects.get()
        event = EventLog.objects.get(event_type="report.exported")
    total = job.rows_total
    assert total in (13, 14)
    page = html(client.get("/reports/exports/"))
    assert (f"Your export of {total} rows is being prepared; we&#x27;ll e-mail you when it is "
            "ready.") in page  # fmt: skip
    assert (job.status, job.format, job.report, job.requested_by_id) == (
        "queued", "xlsx", "funnel", manager.pk)  # fmt: skip
    assert job.params["date_to"] == today_of(tenant_a).isoformat()
    assert event.payload == {"report": "funnel", "format": "xlsx", "what": "report",
                             "rows": total, "inline": False, "export_id": str(job.pk)}  # fmt: skip
    assert event.entity_id == job.pk and event.user_id == manager.pk
    assert len(queued) == 1  # the task is sent once the row is committed

    # Waiting: the list's row polls its fragment; the fragment carries the poll.
    assert f'hx-get="/reports/exports/{job.pk}/" hx-trigger="every 2s"' in page
    fragment = html(client.get(f"/reports/exports/{job.pk}/", HTTP_HX_REQUEST="true"))
    assert fragment.lstrip().startswith("<tr") and "<progress" in fragment
    assert f"0 of {total} rows" in fragment
    assert client.get(f"/reports/exports/{job.pk}/download/")["Location"] == (
        f"/reports/exports/{job.pk}/"
    )

    # The task, run in this process (the worker test below runs it in a real worker).
    seen: list[int] = []
    monkeypatch.setattr(writers, "PROGRESS_EVERY", 4)
    real_set = services.cache.set

    def spy(key: str, value: int, *args: Any, **kwargs: Any) -> None:
        seen.append(value)
        real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(services.cache, "set", spy)
    assert export_run(str(tenant_a.id), str(job.pk)) == "done"
    assert seen == [*range(4, total + 1, 4), total]
    with tenant_context(tenant_a):
        job.refresh_from_db()
    assert (job.status, job.rows_written, job.rows_total, job.error) == ("done", total, total, "")
    assert job.file == f"reports/exports/{job.pk}.xlsx" and job.finished_at is not None
    fragment = html(client.get(f"/reports/exports/{job.pk}/", HTTP_HX_REQUEST="true"))
    assert "hx-trigger" not in fragment and f"{total} rows" in fragment
    assert f'href="/reports/exports/{job.pk}/download/"' in fragment

    # The e-mail: the link on the tenant's host.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [manager.email]
    assert message.subject == "Your export of Quote funnel is ready"
    link = f"http://{host_of(tenant_a)}/reports/exports/{job.pk}/download/"
    assert link in message.body and f"({total} rows)" in message.body

    # The requester downloads it: the rows a small export would have.
    download = client.get(f"/reports/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    assert job.file_name.startswith("funnel-") and job.file_name.endswith(".xlsx")
    sheet = Sheet(_body(download))
    assert len(sheet.rows) == 1 + total
    assert [c["value"] for c in sheet.rows[0]][:2] == ["Period", "Created"]
    today = today_of(tenant_a)
    monday = today - dt.timedelta(days=today.weekday())
    assert sheet.rows[-1][0]["value"] == excel_day(monday)

    # Nobody else: another user of the same tenant, tenant B (the same id on B's host).
    other = panel_client(tenant_a, "admin")
    for url in ("", "download/"):
        assert other.get(f"/reports/exports/{job.pk}/{url}").status_code == 404
    assert str(job.pk) not in html(other.get("/reports/exports/"))
    b_client = panel_client(tenant_b, "manager")
    for url in ("", "download/"):
        assert b_client.get(f"/reports/exports/{job.pk}/{url}",
                            HTTP_HOST=host_of(tenant_b)).status_code == 404  # fmt: skip
    # A's session on B's host is not signed in there.
    response = client.get(f"/reports/exports/{job.pk}/download/", HTTP_HOST=host_of(tenant_b))
    assert response.status_code == 302 and response["Location"].startswith("/login/")

    # A redelivered task message changes nothing.
    assert export_run(str(tenant_a.id), str(job.pk)) == "done"
    assert len(mail.outbox) == 1


@DB
@override_settings(REPORTS_EXPORT_INLINE_ROWS=3)
def test_a_run_claims_its_export_once_and_takes_over_a_lost_one(tenant_a):
    user = staff_user(tenant_a, "manager")
    with tenant_context(tenant_a):
        job = ReportExport.objects.create(
            report="funnel", format="csv", requested_by=user, requested_email=user.email,
            status="running", started_at=timezone.now(), file_name="funnel.csv",
        )  # fmt: skip
    # Another worker is writing it: a second message does nothing.
    assert export_run(str(tenant_a.id), str(job.pk)) == "running"
    assert mail.outbox == []
    # Running for longer than a run may last: its worker was lost, this run takes over.
    with tenant_context(tenant_a):
        ReportExport.objects.filter(pk=job.pk).update(
            started_at=timezone.now() - dt.timedelta(seconds=services.RUN_HARD_LIMIT + 1)
        )
    assert export_run(str(tenant_a.id), str(job.pk)) == "done"
    with tenant_context(tenant_a):
        job.refresh_from_db()
    assert job.rows_written == job.rows_total > 0 and len(mail.outbox) == 1
    assert export_run(str(tenant_a.id), str(uuid.uuid4())) == "missing"


@DB
def test_ungrouped_sales_export_has_every_day_of_the_range(tenant_a):
    _orders(tenant_a)
    start, _end = _range(tenant_a)
    rows = _csv(_body(panel_client(tenant_a, "manager").get("/reports/sales/export.csv")))
    assert rows[0] == ["Period", "Orders", "Net", "VAT", "Gross"]
    assert [r[0] for r in rows[1:]] == [(start + dt.timedelta(days=n)).isoformat()
                                        for n in range(30)]  # fmt: skip
    assert rows[-1][1] == "2" and all(r[1] == "0" for r in rows[1:-1])


@DB
@override_settings(REPORTS_EXPORT_INLINE_ROWS=3)
def test_a_failed_export_says_why_and_mails_it(tenant_a):
    client = panel_client(tenant_a, "manager")
    with tenant_context(tenant_a):
        user = staff_user(tenant_a, "manager")
        job = ReportExport.objects.create(
            report="stock-value", format="csv", params={"warehouse": str(uuid.uuid4())},
            requested_by=user, requested_email=user.email, language="en",
            base_url="http://tenant-a.localhost", rows_total=5, file_name="stock-value.csv",
        )  # fmt: skip
    assert export_run(str(tenant_a.id), str(job.pk)) == "failed"
    with tenant_context(tenant_a):
        job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("The filters no longer hold:")
    assert mail.outbox[-1].subject == "Your export of Stock value failed"
    assert job.error in mail.outbox[-1].body
    page = html(client.get(f"/reports/exports/{job.pk}/"))
    assert job.error in page and "download/" not in page


@DB
def test_old_files_are_deleted_and_their_link_says_so_in_words(tenant_a, monkeypatch):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    client = panel_client(tenant_a, "manager")
    user = staff_user(tenant_a, "manager")
    with tenant_context(tenant_a):
        job = ReportExport.objects.create(
            report="sales", format="csv", requested_by=user, requested_email=user.email,
            status="done", rows_total=1, rows_written=1, file_name="sales-x.csv",
            finished_at=timezone.now() - dt.timedelta(days=8),
        )  # fmt: skip
        job.file = default_storage.save(f"reports/exports/{job.pk}.csv", ContentFile(b"x"))
        job.save()
        fresh = ReportExport.objects.create(
            report="sales", format="csv", requested_by=user, status="done", file_name="y.csv",
            file=default_storage.save("reports/exports/fresh.csv", ContentFile(b"y")),
            finished_at=timezone.now() - dt.timedelta(days=6),
        )  # fmt: skip
        stale = ReportExport.objects.create(
            report="sales", format="csv", requested_by=user, status="running", file_name="z.csv",
            created_at=timezone.now() - dt.timedelta(hours=7),
        )  # fmt: skip
        waiting = ReportExport.objects.create(
            report="sales", format="csv", requested_by=user, status="queued", file_name="w.csv",
            created_at=timezone.now() - dt.timedelta(minutes=20),
        )  # fmt: skip
    assert _body(client.get(f"/reports/exports/{job.pk}/download/")) == b"x"
    sent: list[tuple[str, list[str], str]] = []
    monkeypatch.setattr(services.app, "send_task", lambda name, args, queue: sent.append(
        (name, args, queue)))  # fmt: skip
    with tenant_context(tenant_a):
        assert services.report_exports_expire() == 1
        assert not default_storage.exists(f"reports/exports/{job.pk}.csv")
        assert default_storage.exists(fresh.file)
        job.refresh_from_db()
        stale.refresh_from_db()
    assert (job.status, job.file) == ("expired", "")
    assert stale.status == "failed" and "did not finish" in stale.error
    # Queued for 20 minutes: its message is sent again (the run claims it only once).
    assert sent == [("reports.export_run", [str(tenant_a.id), str(waiting.pk)], "maintenance")]
    response = client.get(f"/reports/exports/{job.pk}/download/")
    assert response.status_code == 410
    assert "This export's file was deleted: files are kept for 7 days" in html(response)
    assert 'href="/reports/sales/' in html(response)


# --- who may export ------------------------------------------------------------------------


@DB
def test_roles_formats_and_the_module_switch(tenant_a):
    employee = panel_client(tenant_a, "employee")
    for url in (
        "/reports/sales/export.csv",
        "/reports/sales/export.xlsx?what=lines",
        "/reports/funnel/export.csv",
        "/reports/top-customers/export.xlsx",
    ):
        assert employee.get(url).status_code == 403, url
    assert employee.get("/reports/low-stock/export.csv").status_code == 200
    assert employee.get("/reports/exports/").status_code == 200
    manager = panel_client(tenant_a, "manager")
    assert manager.get("/reports/sales/export.pdf").status_code == 404
    assert manager.get("/reports/funnel/export.csv", {"what": "lines"}).status_code == 404
    # A bad filter: back to the report's page, which shows it on its field.
    response = manager.get("/reports/sales/export.csv", {"date_from": "yesterday"})
    assert response.status_code == 302
    assert response["Location"] == "/reports/sales/?date_from=yesterday"
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@reports", is_enabled=False)
    for url in (
        "/reports/sales/export.csv",
        "/reports/low-stock/export.xlsx",
        "/reports/exports/",
        f"/reports/exports/{uuid.uuid4()}/",
        f"/reports/exports/{uuid.uuid4()}/download/",
    ):
        assert manager.get(url).status_code == 404, url


@DB
def test_a_source_module_off_hides_its_exports(tenant_a):
    manager = panel_client(tenant_a, "manager")
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@stock", is_enabled=False)
    assert manager.get("/reports/stock-value/export.csv").status_code == 404
    assert manager.get("/reports/sales/export.csv").status_code == 200


@DB
def test_xlsx_past_excels_rows_is_refused_in_words(tenant_a, monkeypatch):
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 5)
    manager = panel_client(tenant_a, "manager")
    response = manager.get("/reports/sales/export.xlsx", {"grain": "day"})
    assert response.status_code == 302 and response["Location"].startswith("/reports/sales/")
    assert manager.get("/reports/sales/export.csv").status_code == 200


@DB
def test_inline_export_writes_its_event(tenant_a):
    manager = panel_client(tenant_a, "manager")
    _body(manager.get("/reports/low-stock/export.csv"))
    with tenant_context(tenant_a):
        event = EventLog.objects.get(event_type="report.exported")
    assert event.payload == {"report": "low-stock", "format": "csv", "what": "report",
                             "rows": 0, "inline": True, "export_id": None}  # fmt: skip
    assert event.source_module == "reports"


# --- a real worker ---------------------------------------------------------------------------


def test_a_real_worker_writes_the_file_and_mails_the_link(fresh_tenant, bus: Bus):
    tenant = fresh_tenant
    _orders(tenant)
    bus.start_worker()
    client = panel_client(tenant, "manager")
    with override_settings(REPORTS_EXPORT_INLINE_ROWS=3):
        response = client.get("/reports/sales/export.csv", {"what": "lines"})
    assert response.status_code == 302
    with tenant_context(tenant):
        job = ReportExport.objects.get()

    def done() -> bool:
        with tenant_context(tenant):
            job.refresh_from_db()
        return job.status in ("done", "failed")

    wait_until(done, timeout=60, what="the export task")
    assert (job.status, job.rows_written, job.rows_total) == ("done", 4, 4), bus.log("worker")
    messages = wait_until(lambda: mails_to(f"manager@{tenant.slug}.example.com"), what="mail")
    link = f"http://{host_of(tenant)}/reports/exports/{job.pk}/download/"
    assert link in messages[0].get_body(("plain",)).get_content()
    rows = _csv(_body(client.get(f"/reports/exports/{job.pk}/download/")))
    assert len(rows) == 5 and "'=SUM(A1:A9)" in [r[5] for r in rows[1:]]
