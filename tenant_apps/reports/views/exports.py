"""A report's exports: streamed when small, else written by a Celery task and e-mailed.

/reports/<name>/export.csv|.xlsx (`?what=lines`: the sales order lines) answers the file
or, past REPORTS_EXPORT_INLINE_ROWS, sends the user to /reports/exports/, which lists
their own exports with their progress (each pending row polls its status fragment with
htmx every 2 s, and stops once it is done). Only the requester downloads a file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dockpulse.web.access import can, module_on, require, staff_page
from dockpulse.web.templatetags.panel import num
from tenant_apps.reports.exports import http
from tenant_apps.reports.exports.selectors import (
    LIST_LIMIT,
    export_get_for_user,
    export_list_for_user,
)
from tenant_apps.reports.exports.services import (
    FORMATS,
    WHATS,
    progress_of,
    report_export_start,
)
from tenant_apps.reports.models import ReportExport
from tenant_apps.reports.registry import MODULE, REPORTS, Report
from tenant_apps.reports.sql import ReportTooSlow


def _report_page(report: Report, query: Any) -> str:
    query = query.copy()
    query.pop("what", None)
    encoded = query.urlencode()
    url = reverse(f"reports:{report.action}")
    return f"{url}?{encoded}" if encoded else url


def export_report(request: HttpRequest, report: Report, fmt: str) -> HttpResponseBase:
    what = request.GET.get("what") or "report"
    if fmt not in FORMATS or what not in WHATS or (what == "lines" and report.lines is None):
        raise Http404
    form = report.form(request.GET)
    if not form.is_valid():
        # The report's page shows each bad value on its field.
        return redirect(_report_page(report, request.GET))
    try:
        result = report_export_start(
            report=report, filters=form.filters(), fmt=fmt, what=what, user=request.user,
            base_url=request.build_absolute_uri("/"),
        )  # fmt: skip
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_report_page(report, request.GET))
    if result.inline:
        try:
            return http.file_response(result)
        except ReportTooSlow as exc:
            messages.error(request, exc.message)
            return redirect(_report_page(report, request.GET))
    messages.info(
        request,
        ngettext(
            "Your export of %(rows)s row is being prepared; we'll e-mail you when it is ready.",
            "Your export of %(rows)s rows is being prepared; we'll e-mail you when it is ready.",
            result.rows,
        )
        % {"rows": num(result.rows)},
    )
    return redirect("reports:exports")


@dataclass(frozen=True, slots=True)
class ExportRow:
    job: ReportExport
    label: str
    written: int
    may_download: bool
    report_url: str  # the report's page with the export's filters

    @property
    def pending(self) -> bool:
        return self.job.is_pending

    @property
    def percent(self) -> int:
        total = self.job.rows_total
        return min(100, self.written * 100 // total) if total else 0


def _row(request: HttpRequest, job: ReportExport) -> ExportRow:
    report = REPORTS.get(job.report)
    label = str(report.label) if report is not None else job.report
    if job.what == ReportExport.What.LINES:
        label = _("%(report)s: order lines") % {"report": label}
    done = job.status == ReportExport.Status.DONE
    url = reverse("reports:index")
    if report is not None:
        query = QueryDict(mutable=True)
        query.update(job.params)
        url = _report_page(report, query)
    return ExportRow(job, label, progress_of(job), done and _may_read(request, report), url)


def _context(**values: Any) -> dict[str, Any]:
    return {
        "keep_days": settings.REPORTS_EXPORT_KEEP_DAYS,
        "inline_rows": settings.REPORTS_EXPORT_INLINE_ROWS,
        **values,
    }


def _may_read(request: HttpRequest, report: Report | None) -> bool:
    """The role and the source module are checked again at download: a manager who became
    an employee no longer downloads the sales figures they exported before."""
    return (
        report is not None
        and module_on(request, report.module)
        and can(request.user, "reports", report.action)
    )


@staff_page("reports", module=MODULE)
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = export_list_for_user(user=request.user)[:LIST_LIMIT]
    context = _context(rows=[_row(request, job) for job in jobs], limit=LIST_LIMIT)
    return render(request, "reports/exports.html", context)


def _own(request: HttpRequest, pk: uuid.UUID) -> ReportExport:
    try:
        return export_get_for_user(pk=pk, user=request.user)
    except ReportExport.DoesNotExist:
        raise Http404 from None


@staff_page("reports", module=MODULE)
def export_status(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The export's row: the fragment an htmx poll swaps in, or a page of its own."""
    row = _row(request, _own(request, pk))
    partial = bool(getattr(request, "htmx", None))
    template = "reports/export_status.html#row" if partial else "reports/export_status.html"
    response = render(request, template, _context(row=row))
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store"
    return response


@staff_page("reports", module=MODULE)
def export_download(request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
    job = _own(request, pk)
    report = REPORTS.get(job.report)
    if report is None or not module_on(request, report.module):
        raise Http404
    require(request, "reports", report.action)
    if job.status == ReportExport.Status.DONE and job.file:
        try:
            return http.download_response(job)
        except FileNotFoundError:
            pass  # removed from the storage by hand: the same as expired
    elif job.status != ReportExport.Status.EXPIRED:
        # Not ready yet, or failed: its page says which.
        return redirect("reports:export_status", pk=job.pk)
    row = _row(request, job)
    context = _context(row=row, gone=True)
    return render(request, "reports/export_status.html", context, status=410)
