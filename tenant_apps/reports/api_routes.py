"""The reports' API routes (dockpulse.extensions), imported by extensions.py.

"reports/exports" comes before "reports" (a later `order`), whose `<name>` would
otherwise take "exports" for a report's name.
"""

from __future__ import annotations

from dockpulse import extensions

from .api import ReportExportViewSet, ReportViewSet

extensions.api_route("reports/exports", ReportExportViewSet, basename="report-export")
extensions.api_route("reports", ReportViewSet, basename="report", order=110)
