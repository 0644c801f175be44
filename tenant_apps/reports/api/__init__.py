"""The reports over the API: which ones the caller may read, each report as JSON, its
exports (a file, or a background job with its progress) and the jobs' files.

    GET reports/                          the reports this role may read here
    GET reports/<name>/?<filters>&page=&page_size=
    GET reports/<name>/export/?format=csv|xlsx[&what=lines]&<filters>
    GET reports/exports/                  the caller's own background exports
    GET reports/exports/<id>/             one of them: status and progress
    GET reports/exports/<id>/download/    its file, once done

Resource "reports" of module "@reports" (off: 404). A report's own endpoints also need
its source module (off: 404, as if the report did not exist) and its row of the matrix
(`registry.Report.action`; else 403), the same checks as the panel's pages. The filters
are the panel's forms (inputs.py), so a bad value is the same per-field message (400).

Figures keep the API's conventions: money, quantities and percentages are decimal
strings ("1234.50"), as DecimalFields render everywhere else in the API; counts are
numbers; dates ISO 8601. A column's `kind` says which a value is.
"""

from __future__ import annotations

from .exports import ReportExportViewSet
from .reports import ReportViewSet

__all__ = ["ReportExportViewSet", "ReportViewSet"]
