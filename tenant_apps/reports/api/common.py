"""What the reports' views share: the permission, the base view, the schema's shapes and
parameters."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request

from dockpulse.api.permissions import RolePermission, allowed
from dockpulse.errors import DomainError
from dockpulse.modules import module_switch
from tenant_apps.reports.api.values import MAX_PAGE_SIZE, PAGE_SIZE, form_errors
from tenant_apps.reports.exports.services import progress_of
from tenant_apps.reports.models import ReportExport
from tenant_apps.reports.registry import MODULE, REPORTS, Report

# --- who may read what ------------------------------------------------------------------------


class ReportPermission(RolePermission):
    """Signed in, `@reports` on and "reports" readable (RolePermission); for a report's
    own endpoints also the report known and its source module on (404 otherwise, before
    the role is looked at, as for a module) and its matrix action allowed (403)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        name = view.kwargs.get("name")
        if name is None:
            return True
        report = REPORTS.get(name)
        if report is None or not module_switch().is_enabled(report.module):
            raise exceptions.NotFound()
        return allowed(getattr(request.user, "role", ""), "reports", report.action)


class ReportsView(viewsets.ViewSet):
    resource = "reports"
    module = MODULE
    permission_classes = [ReportPermission]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # `?format=csv|xlsx` names the export's file format, not a renderer of DRF's
        # (which would answer 404 for an unknown one): every answer here is JSON or a file.
        return super().perform_content_negotiation(request, force=True)


class ExportGone(DomainError):
    code = "export_expired"
    status = 410


# --- serializers (the schema's; the views build their JSON from the report's tables) ----------


def _schema_of(component: str, fields: dict[str, serializers.Field]) -> Any:
    """A serializer class for the schema only (a field may be called `label` here, which
    a Serializer's class attribute may not be: Field.label is its own)."""
    return type(inline_serializer(name=component, fields=fields))


ColumnOut = _schema_of(
    "ReportColumn",
    {
        "key": serializers.CharField(),
        "label": serializers.CharField(),
        "kind": serializers.ChoiceField(
            choices=["text", "date", "money", "count", "quantity", "percent"],
            help_text="money, quantity and percent are decimal strings; count a number",
        ),
    },
)
TableOut = _schema_of(
    "ReportTable",
    {
        "title": serializers.CharField(),
        "columns": ColumnOut(many=True),
        "rows": serializers.ListField(child=serializers.DictField(), help_text="keyed by column"),
        "totals": serializers.DictField(
            allow_null=True, help_text="sums over every row, not a page"
        ),
        "count": serializers.IntegerField(),
    },
)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True})
class _AnyValue(serializers.Field):
    pass


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class _FigureValue(serializers.Field):
    """A money, quantity or percent figure as a decimal string; a count as a number."""


ChartPointOut = _schema_of(
    "ReportChartPoint",
    {
        "key": _AnyValue(),
        "label": serializers.CharField(),
        "value": _FigureValue(help_text="a decimal string, or a count"),
    },
)
ReportOut = _schema_of(
    "Report",
    {
        "report": serializers.CharField(),
        "label": serializers.CharField(),
        "filters": serializers.DictField(help_text="the values used, defaults filled in"),
        "columns": ColumnOut(many=True),
        "rows": serializers.ListField(child=serializers.DictField()),
        "totals": serializers.DictField(allow_null=True),
        "count": serializers.IntegerField(help_text="rows in all pages"),
        "page": serializers.IntegerField(),
        "page_size": serializers.IntegerField(),
        "chart": ChartPointOut(many=True),
        "more": TableOut(many=True, help_text="further tables (the funnel's rejection reasons)"),
    },
)
FilterOut = _schema_of(
    "ReportFilter",
    {
        "name": serializers.CharField(),
        "label": serializers.CharField(),
        "type": serializers.ChoiceField(choices=["date", "choice", "integer", "boolean", "text"]),
        "choices": serializers.ListField(child=serializers.DictField(), required=False),
        "min": serializers.IntegerField(required=False, allow_null=True),
        "max": serializers.IntegerField(required=False, allow_null=True),
    },
)
ReportInfoOut = _schema_of(
    "ReportInfo",
    {
        "name": serializers.CharField(),
        "label": serializers.CharField(),
        "description": serializers.CharField(),
        "url": serializers.CharField(),
        "filters": FilterOut(many=True),
        "exports": serializers.ListField(
            child=serializers.CharField(), help_text='"report", "lines"'
        ),
    },
)


# Not a ChoiceField: its enum would collide with the other "status" enums of the schema.
_STATUSES = ", ".join(ReportExport.Status.values)


class ExportOut(serializers.Serializer):
    id = serializers.UUIDField()
    report = serializers.CharField()
    what = serializers.ChoiceField(choices=ReportExport.What.choices)
    format = serializers.ChoiceField(choices=ReportExport.Format.choices)
    status = serializers.CharField(help_text=_STATUSES)
    rows_total = serializers.IntegerField()
    rows_written = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()
    file_name = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    def get_rows_written(self, job: ReportExport) -> int:
        return progress_of(job)

    def get_percent(self, job: ReportExport) -> int:
        written = progress_of(job)
        if not job.rows_total:
            return 100 if job.status == ReportExport.Status.DONE else 0
        return min(100, written * 100 // job.rows_total)

    def _url(self, name: str, job: ReportExport) -> str:
        path = reverse(name, kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_status_url(self, job: ReportExport) -> str:
        return self._url("report-export-detail", job)

    def get_download_url(self, job: ReportExport) -> str | None:
        if job.status != ReportExport.Status.DONE:
            return None
        return self._url("report-export-download", job)


class ExportQueuedOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField(help_text=_STATUSES)
    rows = serializers.IntegerField()
    status_url = serializers.CharField()


# --- views --------------------------------------------------------------------------------


NAME_PARAM = OpenApiParameter(
    "name", str, OpenApiParameter.PATH, enum=list(REPORTS), description="the report"
)
ID_PARAM = OpenApiParameter("id", str, OpenApiParameter.PATH, description="UUID")
FILTER_PARAMS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="ranged reports; 29 days "
                     "before date_to by default (the funnel: 89)"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="ranged reports; today by default"),
    OpenApiParameter("grain", str, enum=["day", "week", "month"], description="sales, funnel"),
    OpenApiParameter("group_by", str, enum=["customer", "product", "category", "staff"],
                     description="sales"),
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="stock-value; today by default"),
    OpenApiParameter("warehouse", str, description="stock-value, low-stock: a warehouse id"),
    OpenApiParameter("category", str, description="stock-value, low-stock, top-products"),
    OpenApiParameter("include_zero", bool, description="stock-value"),
    OpenApiParameter("by", str, enum=["gross", "quantity"], description="top-products"),
    OpenApiParameter("limit", int, description="top-customers, top-products: 1-500, 20"),
]  # fmt: skip
PAGE_PARAMS = [
    OpenApiParameter("page", int, description="from 1"),
    OpenApiParameter(
        "page_size", int, description=f"{PAGE_SIZE} by default, {MAX_PAGE_SIZE} at most"
    ),
]
EXPORT_PARAMS = [
    OpenApiParameter("format", str, enum=["csv", "xlsx"], required=True),
    OpenApiParameter("what", str, enum=["report", "lines"], description="lines: the sales "
                     "report's order lines"),
]  # fmt: skip


def bound_form(report: Report, request: Request) -> Any:
    form = report.form(request.query_params)
    if not form.is_valid():
        raise exceptions.ValidationError(form_errors(form))
    return form
