"""The reports' pages (mounted at /reports/): the index, one page per report, its exports
(/reports/<name>/export.csv|.xlsx), and the exports made in the background."""

from django.urls import URLPattern, path

from .registry import REPORTS
from .views import exports, pages
from .views.common import report_view

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path("", pages.index, name="index"),
    path("exports/", exports.export_list, name="exports"),
    path("exports/<uuid:pk>/", exports.export_status, name="export_status"),
    path("exports/<uuid:pk>/download/", exports.export_download, name="export_download"),
]
for _report in REPORTS.values():
    _name = _report.action  # "stock_value": URL names take no dashes
    urlpatterns += [
        path(f"{_report.name}/", report_view(_report, pages.report_page), name=_name),
        path(
            f"{_report.name}/export.<str:fmt>",
            report_view(_report, exports.export_report),
            name=f"{_name}_export",
        ),
    ]
