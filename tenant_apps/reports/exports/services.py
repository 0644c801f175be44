"""Starting, running and cleaning up report exports (docs/reports.md, "Exports").

What the pages and the API call:

    report_export_start(*, report, filters, fmt, what="report", user, base_url="")
        -> ExportStart
        `report`: a registry.Report; `filters`: its form's `filters()` (a valid form);
        `fmt`: "csv" | "xlsx"; `what`: "report" | "lines" (the sales order lines);
        `user`: the signed-in staff User (the only one who may download a queued file);
        `base_url`: "scheme://host[:port]" the e-mail's link points at (the request's
        `request.build_absolute_uri("/")`; default https://<slug>.BASE_DOMAIN).
        Counts the rows; up to REPORTS_EXPORT_INLINE_ROWS the result is inline
        (`result.inline`, `result.export`: hand it to exports.http.file_response(result)
        in the same request), else it is queued (`result.job`: the ReportExport row; the
        Celery task runs once the transaction commits). Emits `report.exported` either way.
        Raises ValidationError {"format"|"what": [...]} for an unknown format or contents,
        or an XLSX past Excel's rows; NotPermitted when the user's role may not read it.

    export_get_for_user(*, pk, user) -> ReportExport       (selectors.py, re-exported)
        The user's own export in this tenant; ReportExport.DoesNotExist otherwise (also
        for another user's id, as if it did not exist: answer 404).

    exports.http.file_response(result) -> HttpResponseBase
    exports.http.download_response(job) -> HttpResponseBase   (a done job's stored file)

The task (tasks.py, "reports.export_run") calls report_export_run(export_id=...); beat
calls report_exports_expire() through "reports.export_cleanup_all".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import staff_actor
from dockpulse.api.permissions import allowed
from dockpulse.celery import app
from dockpulse.errors import NotPermitted
from dockpulse.modules import module_switch
from dockpulse.outages import database_unavailable
from dockpulse.tenancy import get_current_tenant, tenant_atomic, tenant_on_commit
from tenant_apps.reports.models import ReportExport
from tenant_apps.reports.periods import DateRange, tenant_today
from tenant_apps.reports.registry import MODULE, REPORTS, Report
from tenant_apps.reports.sql import ReportTooSlow, report_session
from tenant_apps.reports.tables import Export

from . import writers
from .selectors import export_get_for_user

__all__ = [
    "ExportStart",
    "export_get_for_user",
    "report_export_run",
    "report_export_start",
    "report_exports_expire",
]

logger = logging.getLogger(__name__)

RUN_TASK = "reports.export_run"
QUEUE = "maintenance"  # long, rare work: never in front of the event drains
FORMATS = ("csv", "xlsx")
WHATS = ("report", "lines")
STORAGE_DIR = "reports/exports"
# A run's time limits (tasks.py): each statement is bounded by REPORTS_EXPORT_TIMEOUT_MS,
# the soft limit ends a run that goes on past that anyway (marked failed), the hard one a
# child that does not stop. Both stay below the broker's visibility timeout (15 min), so
# a running export is not delivered twice.
RUN_SOFT_LIMIT = settings.REPORTS_EXPORT_TIMEOUT_MS / 1000 + 60
RUN_HARD_LIMIT = RUN_SOFT_LIMIT + 60
# Queued this long and not started: its message was lost (the broker was down when it was
# sent); the clean-up sends it again.
RESEND_AFTER = timedelta(minutes=15)
# An export still queued or running after this was lost with its worker: marked failed.
STALE_AFTER = timedelta(hours=6)
_PROGRESS_KEY = "reports:export:{}:written"
_PROGRESS_TTL = 24 * 60 * 60


@dataclass(frozen=True, slots=True)
class ExportStart:
    report: Report
    fmt: str
    what: str
    rows: int
    filename: str  # "sales-2026-11-01-2026-11-30.xlsx"
    language: str
    export: Export | None = None  # inline: the rows to write in this request
    job: ReportExport | None = None  # queued: the row the task fills in

    @property
    def inline(self) -> bool:
        return self.job is None


def build_export(report: Report, filters: Any, what: str) -> Export:
    if what == "lines":
        if report.lines is None:
            raise ValidationError({"what": [_("This report has no order lines to export.")]})
        return report.lines(filters)
    return report.export(filters)


def filters_params(filters: Any) -> dict[str, str]:
    """The filters as the query-string values the report's form reads back to the same
    filters (defaults made explicit: "today" stays the day the export was asked for)."""
    out: dict[str, str] = {}
    for field in dataclasses.fields(filters):
        value = getattr(filters, field.name)
        if isinstance(value, DateRange):
            out["date_from"], out["date_to"] = value.start.isoformat(), value.end.isoformat()
        elif value is None or value is False or value == "":
            continue
        elif value is True:
            out[field.name] = "on"
        elif isinstance(value, dt.date):
            out[field.name] = value.isoformat()
        else:
            out[field.name] = str(value)
    return out


def file_name(export: Export, filters: Any, fmt: str) -> str:
    """The export's name and its days: sales-2026-11-01-2026-11-30.csv,
    stock-value-2026-11-30.xlsx (low-stock: today)."""
    dates = getattr(filters, "range", None)
    if isinstance(dates, DateRange):
        days = f"{dates.start.isoformat()}-{dates.end.isoformat()}"
    else:
        day = getattr(filters, "as_of", None)
        days = (day if isinstance(day, dt.date) else tenant_today()).isoformat()
    return f"{export.name}-{days}.{fmt}"


def _check(report: Report, fmt: str, what: str, user: Any) -> None:
    if fmt not in FORMATS:
        raise ValidationError({"format": [_("Export as CSV or XLSX.")]})
    if what not in WHATS or (what == "lines" and report.lines is None):
        raise ValidationError({"what": [_("This report has no such export.")]})
    if not allowed(getattr(user, "role", ""), "reports", report.action):
        raise NotPermitted(_("Your role may not read this report."))


def report_export_start(
    *, report: Report, filters: Any, fmt: str, what: str = "report", user: Any, base_url: str = ""
) -> ExportStart:
    _check(report, fmt, what, user)
    export = build_export(report, filters, what)
    with report_session():
        rows = export.count()
    if fmt == "xlsx" and rows > writers.XLSX_MAX_ROWS:
        raise ValidationError({"format": [
            _("An XLSX sheet holds at most %(max)s rows and this export has %(rows)s; "
              "export it as CSV or narrow the filters.")
            % {"max": f"{writers.XLSX_MAX_ROWS:,}".replace(",", " "),
               "rows": f"{rows:,}".replace(",", " ")}
        ]})  # fmt: skip
    name = file_name(export, filters, fmt)
    language = translation.get_language() or settings.LANGUAGE_CODE
    payload: dict[str, Any] = {"report": report.name, "format": fmt, "what": what, "rows": rows}
    if rows <= settings.REPORTS_EXPORT_INLINE_ROWS:
        with tenant_atomic():
            events.emit(
                event_type="report.exported", source_module="reports",
                entity_type="report", payload={**payload, "inline": True, "export_id": None},
                actor=staff_actor(user),
            )  # fmt: skip
        return ExportStart(report, fmt, what, rows, name, language, export=export)
    tenant = get_current_tenant()
    with tenant_atomic():
        job = ReportExport.objects.create(
            report=report.name,
            what=what,
            format=fmt,
            params=filters_params(filters),
            requested_by=user,
            requested_email=user.email,
            requested_name=user.get_full_name(),
            language=language,
            base_url=(base_url or f"https://{tenant.slug}.{settings.BASE_DOMAIN}").rstrip("/"),
            rows_total=rows,
            file_name=name,
        )
        events.emit(
            event_type="report.exported", source_module="reports",
            entity_type="report_export", entity_id=job.pk,
            payload={**payload, "inline": False, "export_id": str(job.pk)},
            actor=staff_actor(user),
        )  # fmt: skip
        tenant_on_commit(_Queue(str(tenant.id), str(job.pk)), robust=True)
    return ExportStart(report, fmt, what, rows, name, language, job=job)


class _Queue:
    """After the commit, so the worker finds the row."""

    def __init__(self, tenant_id: str, export_id: str) -> None:
        self.tenant_id, self.export_id = tenant_id, export_id

    def __call__(self) -> None:
        app.send_task(RUN_TASK, args=[self.tenant_id, self.export_id], queue=QUEUE)


# --- the task's work -----------------------------------------------------------------------


def progress_of(job: ReportExport) -> int:
    """Rows written so far: the task's running count (the cache: its own transaction holds
    the rows until it ends), else the row's."""
    if job.status == ReportExport.Status.RUNNING:
        seen = cache.get(_PROGRESS_KEY.format(job.pk))
        if seen is not None:
            return max(int(seen), job.rows_written)
    return job.rows_written


class ExportFailed(Exception):
    """Something the requester can read: the filters no longer hold, too many rows."""


def _set(job: ReportExport, **values: Any) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    with tenant_atomic():
        ReportExport.objects.filter(pk=job.pk).update(**values)


def report_export_run(*, export_id: uuid.UUID | str, run_token: str = "") -> str:
    """Write a queued export's file into the tenant's storage, then e-mail the link.

    Idempotent (the task acknowledges late: a redelivered message runs this again): a
    finished, failed or expired export is left alone. The run claims the row first, in
    one UPDATE: a queued export, or one "running" for longer than a run may last (its
    worker was lost and the broker delivered the message again) is written from the
    start, the file replaced; a second message for an export another worker is writing
    (the clean-up re-sends exports queued for long) does nothing.

    `run_token` ("<task id>:<attempt>", from the task) names this run in the claim. The
    database going away mid-run is not the export's failure: the error is raised as it is
    (the task retries it, dockpulse/celery.py) and that retry, the same task id with a
    higher attempt, takes the row back although it is "running" and young -- a second
    delivery of the same attempt (a message the broker handed out twice) still does nothing.
    """
    job = ReportExport.objects.filter(pk=export_id).first()
    if job is None:
        return "missing"
    now = timezone.now()
    lost = now - timedelta(seconds=RUN_HARD_LIMIT)
    claimable = Q(status=ReportExport.Status.QUEUED) | Q(
        status=ReportExport.Status.RUNNING, started_at__lt=lost
    )
    if job.status == ReportExport.Status.RUNNING and _earlier_attempt(job.run_token, run_token):
        # Compare-and-set on the token read: a run that claimed it meanwhile keeps it.
        claimable |= Q(status=ReportExport.Status.RUNNING, run_token=job.run_token)
    with tenant_atomic():
        claimed = (
            ReportExport.objects.filter(pk=job.pk)
            .filter(claimable)
            .update(status=ReportExport.Status.RUNNING, started_at=now, rows_written=0, error="",
                    run_token=run_token)
        )  # fmt: skip
    if not claimed:
        job.refresh_from_db(fields=["status"])
        return str(job.status)
    job.status, job.started_at, job.rows_written, job.error = "running", now, 0, ""
    job.run_token = run_token
    # The headers, the error and the e-mail in the requester's language.
    with translation.override(job.language or get_current_tenant().language):
        try:
            stored = _write(job)
        except Exception as exc:
            cache.delete(_PROGRESS_KEY.format(job.pk))
            if database_unavailable(exc):
                # A restart, not the export's fault: nothing is marked and nobody is mailed;
                # the task's retry claims the row again (the docstring).
                raise
            # Marked failed with a short reason, never left "running"; the log has the rest.
            logger.exception("report export %s failed", job.pk)
            reason = str(exc) if isinstance(exc, ExportFailed) else _short(exc)
            _set(job, status=ReportExport.Status.FAILED, error=reason[:500],
                 finished_at=timezone.now())  # fmt: skip
            _mail(job)
            return str(job.status)
    try:
        _set(job, status=ReportExport.Status.DONE, file=stored, rows_total=job.rows_total,
             rows_written=job.rows_written, finished_at=timezone.now())  # fmt: skip
    except BaseException:
        # A file no row names would never be cleaned up: take it away again.
        default_storage.delete(stored)
        raise
    cache.delete(_PROGRESS_KEY.format(job.pk))
    _mail(job)
    return str(job.status)


def _earlier_attempt(held: str, mine: str) -> bool:
    """True if the claim `held` was made by an earlier attempt of the task running as
    `mine` (both "<task id>:<attempt>")."""
    held_id, _sep, held_attempt = held.rpartition(":")
    my_id, _sep, my_attempt = mine.rpartition(":")
    if not held_id or held_id != my_id or not (held_attempt.isdigit() and my_attempt.isdigit()):
        return False
    return int(held_attempt) < int(my_attempt)


def _short(exc: Exception) -> str:
    from django.db import OperationalError

    if isinstance(exc, ReportTooSlow) or (
        isinstance(exc, OperationalError) and "statement timeout" in str(exc)
    ):
        return _("The report took too long to read; narrow the filters and export again.")
    return _("The export failed (%(error)s).") % {"error": type(exc).__name__}


def _write(job: ReportExport) -> str:
    report = REPORTS.get(job.report)
    if report is None:
        raise ExportFailed(_("This report no longer exists."))
    form = report.form(job.params)
    if not form.is_valid():
        problems = "; ".join(str(m) for messages in form.errors.values() for m in messages)
        raise ExportFailed(_("The filters no longer hold: %(problems)s") % {"problems": problems})
    _still_allowed(job, report)
    export = build_export(report, form.filters(), job.what)
    key = _PROGRESS_KEY.format(job.pk)

    def progress(rows: int) -> None:
        cache.set(key, rows, _PROGRESS_TTL)
        job.rows_written = rows

    name = f"{STORAGE_DIR}/{job.pk}.{job.ext}"
    with tempfile.TemporaryFile() as handle:
        # One transaction for the count and the rows (the server-side cursor needs it),
        # under the export's own time limit rather than the pages' 20 s.
        with report_session(timeout_ms=settings.REPORTS_EXPORT_TIMEOUT_MS):
            job.rows_total = export.count()
            if job.format == ReportExport.Format.XLSX:
                if job.rows_total > writers.XLSX_MAX_ROWS:
                    raise ExportFailed(_("Too many rows for an XLSX sheet; export as CSV."))
                writers.write_xlsx(export, handle, title=str(report.label), progress=progress)
            else:
                for chunk in writers.csv_chunks(export, progress=progress):
                    handle.write(chunk)
        handle.seek(0)
        if default_storage.exists(name):
            default_storage.delete(name)  # a re-run replaces its file, never adds "_x7Ab"
        return default_storage.save(name, File(handle, name=name))


def _still_allowed(job: ReportExport, report: Report) -> None:
    """The request was checked when it was made; the file is written minutes later. A
    requester who has left, lost the role, or whose report was switched off since gets
    no file (nobody could download it, and it would sit in storage for days)."""
    user = job.requested_by
    if user is None or not user.is_active:
        raise ExportFailed(_("The person who asked for this export can no longer sign in."))
    if not allowed(getattr(user, "role", ""), "reports", report.action):
        raise ExportFailed(_("Your role no longer allows this report."))
    switch = module_switch()
    if not (switch.is_enabled(MODULE) and switch.is_enabled(report.module)):
        raise ExportFailed(_("This report is switched off."))


def download_path(job: ReportExport) -> str:
    return reverse("reports:export_download", args=[job.pk], urlconf=settings.TENANT_URLCONF)


def _mail(job: ReportExport) -> None:
    """Ready (with the link) or failed (with the reason), in the requester's language. A
    mail that cannot be sent leaves the export as it is: the exports page shows it too."""
    from dockpulse.notify.base import SendError
    from dockpulse.notify.email import send_email

    user = job.requested_by
    if not job.requested_email or user is None or not user.is_active:
        return  # nobody to tell: a former colleague's address gets no company news
    tenant = get_current_tenant()
    done = job.status == ReportExport.Status.DONE
    report = REPORTS.get(job.report)
    context = {
        "job": job,
        "report": report.label if report else job.report,
        "company": tenant.name,
        "link": f"{job.base_url}{download_path(job)}",
        "list_link": f"{job.base_url}{reverse('reports:exports', urlconf=settings.TENANT_URLCONF)}",
        "keep_days": settings.REPORTS_EXPORT_KEEP_DAYS,
    }
    kind = "ready" if done else "failed"
    with translation.override(job.language or tenant.language):
        subject = render_to_string(f"reports/emails/export_{kind}_subject.txt", context)
        body = render_to_string(f"reports/emails/export_{kind}.txt", context)
    try:
        send_email(
            to=[job.requested_email], subject=subject, body=body,
            idempotency_key=f"report-export-{job.pk}-{kind}",
        )  # fmt: skip
    except SendError:
        logger.warning("report export %s: the %s e-mail was not sent", job.pk, kind, exc_info=True)


# --- clean-up ------------------------------------------------------------------------------


def report_exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports finished more than REPORTS_EXPORT_KEEP_DAYS ago (their
    rows stay, "expired": the link then says so in words), send again the exports queued
    for long (a lost message), and mark runs lost for good as failed. Returns how many
    files went."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REPORTS_EXPORT_KEEP_DAYS)
    old = ReportExport.objects.filter(
        Q(status=ReportExport.Status.DONE) | Q(status=ReportExport.Status.FAILED, file__gt=""),
        finished_at__lt=cutoff,
    )
    removed = 0
    for job in old.only("id", "file", "status"):
        if job.file:
            default_storage.delete(job.file)  # a file already gone is no error
        with tenant_atomic():
            ReportExport.objects.filter(pk=job.pk).update(
                status=ReportExport.Status.EXPIRED, file=""
            )
        removed += 1
    waiting = ReportExport.objects.filter(
        status=ReportExport.Status.QUEUED,
        created_at__lt=now - RESEND_AFTER,
        created_at__gte=now - STALE_AFTER,
    )
    tenant_id = str(get_current_tenant().id)
    for pk in waiting.values_list("id", flat=True):
        _Queue(tenant_id, str(pk))()
    stale = ReportExport.objects.filter(
        status__in=[ReportExport.Status.QUEUED, ReportExport.Status.RUNNING],
        created_at__lt=now - STALE_AFTER,
    )
    for job in stale.only("id", "language"):
        with translation.override(job.language or get_current_tenant().language):
            error = _("The export did not finish; export the report again.")
        _set(job, status=ReportExport.Status.FAILED, finished_at=now, error=error)
    return removed
