"""GET reports/, reports/<name>/ and reports/<name>/export/: which reports, each as JSON, and
its file (or a background export)."""

from __future__ import annotations

from django.http import HttpResponseBase
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tenant_apps.reports.api.common import (
    EXPORT_PARAMS,
    FILTER_PARAMS,
    NAME_PARAM,
    PAGE_PARAMS,
    ExportQueuedOut,
    ReportInfoOut,
    ReportOut,
    ReportsView,
    bound_form,
)
from tenant_apps.reports.api.values import (
    MAX_PAGE_SIZE,
    NAME_PATTERN,
    PAGE_SIZE,
    filters_json,
    form_fields,
    json_value,
    positive_param,
    table_json,
)
from tenant_apps.reports.exports import http
from tenant_apps.reports.exports.services import report_export_start
from tenant_apps.reports.registry import REPORTS
from tenant_apps.reports.registry import report_run as run_report
from tenant_apps.reports.tables import Table
from tenant_apps.reports.views.common import visible_reports


@extend_schema_view(
    list=extend_schema(responses=ReportInfoOut(many=True)),
    retrieve=extend_schema(
        parameters=[NAME_PARAM, *FILTER_PARAMS, *PAGE_PARAMS],
        responses={200: ReportOut(), 400: OpenApiResponse(description="a bad filter, by field")},
    ),
)
class ReportViewSet(ReportsView):
    """The reports: figures with their columns, totals and chart, page by page."""

    lookup_field = "name"
    lookup_value_regex = NAME_PATTERN
    # The list of reports is whole; a report's own rows are paged by its own shape.
    pagination_class = None

    def list(self, request: Request) -> Response:
        out = [
            {
                "name": report.name,
                "label": str(report.label),
                "description": str(report.description),
                "url": request.build_absolute_uri(
                    reverse("report-detail", kwargs={"name": report.name})
                ),
                "filters": form_fields(report),
                "exports": ["report", "lines"] if report.lines else ["report"],
            }
            for report in visible_reports(request)
        ]
        return Response(out)

    def retrieve(self, request: Request, name: str) -> Response:
        report = REPORTS[name]  # the permission answered 404 for an unknown name
        form = bound_form(report, request)
        page_number = positive_param(request, "page", 1)
        size = min(positive_param(request, "page_size", PAGE_SIZE), MAX_PAGE_SIZE)
        offset = (page_number - 1) * size
        filters = form.filters()
        result = run_report(report, filters, offset=offset, limit=size)
        table = result.table
        rows = table.rows
        # The rankings answer every row of theirs (at most their `limit`) whatever the
        # window: cut the page here. A report that windowed itself never has all its rows
        # on a page past the first, nor more than the page on the first.
        if len(rows) == table.total_rows:
            rows = rows[offset : offset + size]
        main = table_json(Table(table.columns, rows, table.total_rows, table.totals, table.title))
        return Response({
            "report": report.name,
            "label": str(report.label),
            "filters": filters_json(form, filters),
            "columns": main["columns"],
            "rows": main["rows"],
            "totals": main["totals"],
            "count": table.total_rows,
            "page": page_number,
            "page_size": size,
            "chart": [
                {"key": json_value(p.key), "label": str(p.label), "value": json_value(p.value)}
                for p in result.chart
            ],
            "more": [table_json(extra) for extra in result.more],
        })  # fmt: skip

    @extend_schema(
        parameters=[NAME_PARAM, *EXPORT_PARAMS, *FILTER_PARAMS],
        responses={
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="small exports: the file itself"
            ),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                OpenApiResponse(response=OpenApiTypes.BINARY),
            202: OpenApiResponse(
                response=ExportQueuedOut,
                description="past REPORTS_EXPORT_INLINE_ROWS rows: written in the background "
                "(follow status_url); the requester is e-mailed when it is ready",
            ),
            400: OpenApiResponse(description="a bad filter, format or what, by field"),
        },
    )  # fmt: skip
    @action(detail=True, methods=["get"], url_path="export", url_name="file")
    def export(self, request: Request, name: str) -> HttpResponseBase:
        report = REPORTS[name]
        form = bound_form(report, request)
        result = report_export_start(
            report=report,
            filters=form.filters(),
            fmt=str(request.query_params.get("format", "")).strip(),
            what=str(request.query_params.get("what", "")).strip() or "report",
            user=request.user,
            base_url=request.build_absolute_uri("/"),
        )
        if result.inline:
            return http.file_response(result)
        job = result.job
        assert job is not None
        body = {
            "id": str(job.pk),
            "status": job.status,
            "rows": result.rows,
            "status_url": request.build_absolute_uri(
                reverse("report-export-detail", kwargs={"pk": job.pk})
            ),
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
