"""The guard every report URL carries: `@reports` on, the report's row of the matrix,
and the module its data comes from (a switched-off source is a 404, as the module is)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseBase

from dockpulse.web.access import can, module_on, staff_page
from tenant_apps.reports.registry import MODULE, REPORTS, Report

ReportView = Callable[..., HttpResponseBase]


def report_view(report: Report, view: Callable[..., HttpResponseBase]) -> ReportView:
    """`view(request, report, ...)` guarded for `report` (its own staff_page attribute, so
    the tests that walk every page check each report's row). A report whose source module
    is off does not exist: 404 before the role is looked at, as the API answers."""

    def bound(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return view(request, report, *args, **kwargs)

    guarded = staff_page("reports", report.action, module=MODULE)(wraps(view)(bound))

    @wraps(guarded)
    def sourced(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not module_on(request, report.module):
            raise Http404
        return guarded(request, *args, **kwargs)

    return sourced


def visible_reports(request: HttpRequest) -> list[Report]:
    """The reports this person may open here: source module on, matrix row allowing."""
    return [
        r for r in REPORTS.values()
        if module_on(request, r.module) and can(request.user, "reports", r.action)
    ]  # fmt: skip
