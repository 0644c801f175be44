"""A report's export, and the caller's background exports with their files."""

from __future__ import annotations

import uuid

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.params import paged
from dockpulse.api.permissions import allowed
from dockpulse.errors import StateConflict
from dockpulse.modules import module_switch
from tenant_apps.reports.api.common import ID_PARAM, PAGE_PARAMS, ExportGone, ExportOut, ReportsView
from tenant_apps.reports.exports import http
from tenant_apps.reports.exports.selectors import export_get_for_user, export_list_for_user
from tenant_apps.reports.models import ReportExport
from tenant_apps.reports.registry import REPORTS


@extend_schema_view(
    list=extend_schema(parameters=PAGE_PARAMS, responses=ExportOut(many=True)),
    retrieve=extend_schema(parameters=[ID_PARAM], responses=ExportOut),
)
class ReportExportViewSet(ReportsView):
    """The caller's own background exports (another user's, or another tenant's, id is a
    404 as if it did not exist), with their progress, and their files once done."""

    # Any id reaches the view: one that is no UUID is the API's own 404, not a page's.
    lookup_value_regex = "[^/]+"

    def _own(self, pk: str) -> ReportExport:
        try:
            return export_get_for_user(pk=uuid.UUID(pk), user=self.request.user)
        except (ValueError, ReportExport.DoesNotExist):
            raise exceptions.NotFound() from None

    def list(self, request: Request) -> Response:
        return paged(
            self,
            request,
            export_list_for_user(user=request.user),
            lambda jobs: ExportOut(jobs, many=True, context={"request": request}).data,
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ExportOut(self._own(pk), context={"request": request}).data)

    @extend_schema(
        parameters=[ID_PARAM],
        responses={
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.BINARY),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                OpenApiResponse(response=OpenApiTypes.BINARY),
            409: OpenApiResponse(description="not ready yet (export_not_ready) or failed "
                                 "(export_failed)"),
            410: OpenApiResponse(description="its file was deleted (export_expired)"),
        },
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> HttpResponseBase:
        job = self._own(pk)
        # As on the page: the role and the source module are checked again now (a manager
        # who became an employee no longer downloads the sales they exported before).
        report = REPORTS.get(job.report)
        if report is None or not module_switch().is_enabled(report.module):
            raise exceptions.NotFound()
        if not allowed(getattr(request.user, "role", ""), "reports", report.action):
            raise exceptions.PermissionDenied()
        if job.status == ReportExport.Status.DONE and job.file:
            try:
                return http.download_response(job)
            except FileNotFoundError:
                pass  # removed from the storage by hand: the same as expired
        elif job.is_pending:
            raise StateConflict(_("The export is not ready yet."), code="export_not_ready")
        elif job.status == ReportExport.Status.FAILED:
            raise StateConflict(job.error or _("The export failed."), code="export_failed")
        raise ExportGone(_("This export's file has been deleted; export the report again."))
