"""An export too big to stream in the response: written by a Celery task, then e-mailed.

One row per such export (the small ones are streamed and leave only their event). It
records what was asked (the report, which of its exports, the format and the filters as
query-string values the report's form reads again), who asked, and how far the task got.
The file itself lives in the tenant's storage until REPORTS_EXPORT_KEEP_DAYS have passed.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportExport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Deleted")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class What(models.TextChoices):
        REPORT = "report", _("Report")
        LINES = "lines", _("Order lines")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.CharField(_("report"), max_length=40)  # its registry name: "stock-value"
    what = models.CharField(_("contents"), max_length=10, choices=What.choices, default=What.REPORT)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # The filters as the report's form reads them (inputs.py), with every default made
    # explicit when asked: a task running after midnight exports the day that was asked.
    params = models.JSONField(_("filters"), default=dict, blank=True)
    # Only the requester downloads it; name and address are kept for the e-mail and in
    # case the user is deleted (the export then belongs to nobody and cannot be fetched).
    requested_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_email = models.EmailField(_("e-mail"), blank=True)
    requested_name = models.CharField(_("name"), max_length=255, blank=True)
    # The language of the column headers and of the e-mail (the requester's at the time).
    language = models.CharField(_("language"), max_length=10, blank=True)
    # scheme://host[:port] of the tenant as the requester reached it: the e-mail's link.
    base_url = models.CharField(_("address"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveBigIntegerField(_("rows"), default=0)
    rows_written = models.PositiveBigIntegerField(_("rows written"), default=0)
    file_name = models.CharField(_("file name"), max_length=200)  # what the download is called
    file = models.CharField(_("stored file"), max_length=255, blank=True)  # storage name
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Which run holds the claim ("<task id>:<attempt>"): a retry of that task after a
    # database outage takes its own claim back instead of waiting for it to go stale.
    run_token = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        db_table = "report_exports"
        ordering = ["-created_at", "id"]
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed", "expired"]),
                name="report_exports_status",
            ),
            models.CheckConstraint(
                condition=models.Q(format__in=["csv", "xlsx"]), name="report_exports_format"
            ),
        ]
        indexes = [
            # A user's exports, newest first (/reports/exports/).
            models.Index(fields=["requested_by", "-created_at"], name="report_exports_user_idx"),
            # The clean-up's scan: finished files past their days, unfinished runs gone stale.
            models.Index(fields=["status", "created_at"], name="report_exports_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.format} {self.status}"

    @property
    def ext(self) -> str:
        return str(self.format)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.rows_written * 100 // self.rows_total)
