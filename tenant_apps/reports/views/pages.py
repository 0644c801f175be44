"""The reports' index and each report's page (filters, chart, table with totals).

A report page is a GET form: the filters are the query string, so a report can be
bookmarked, shared and paged (`?page=N`), and its export links carry the same filters.
The figures are formatted here, once, for the tenant's language (the template only
prints text): one place decides how a money, quantity, count, percent or date cell reads.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dockpulse.web.access import staff_page
from dockpulse.web.charts import Chart, Point, column_chart, row_chart
from dockpulse.web.templatetags.panel import money, num, qty
from tenant_apps.reports.registry import MODULE, Report, report_run
from tenant_apps.reports.sql import ReportTooSlow
from tenant_apps.reports.tables import Column, Result, Table

from .common import visible_reports

PAGE_ROWS = 100
# A column chart captions about this many bars, whatever their number (a year of days).
COLUMN_CAPTIONS = 8
# A row chart's caption is cut to fit its gutter (the full label is the bar's tooltip).
ROW_CAPTION_CHARS = 18
# A figure there is none of (a conversion rate of no quote sent).
NONE = "\u2014"

# What each report counts, in a sentence under its title (from its selector's rules).
RULES: dict[str, str | Promise] = {
    "sales": gettext_lazy(
        "Orders created in the range, cancelled ones excluded, at their totals; per product "
        "or category, the order lines' totals."
    ),
    "funnel": gettext_lazy(
        "Quotes by the period they were created in, and how far each has got so far; "
        "conversion is accepted of sent."
    ),
    "stock-value": gettext_lazy(
        "Quantities at the end of the chosen day, from the stock movements; value at "
        "today's net price."
    ),
    "low-stock": gettext_lazy(
        "Stock levels whose available quantity (on hand less reserved) is below their "
        "threshold, right now."
    ),
    "top-customers": gettext_lazy(
        "Orders created in the range, cancelled ones excluded, at their totals."
    ),
    "top-products": gettext_lazy(
        "Order lines of the orders created in the range, cancelled ones excluded."
    ),
}


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    numeric: bool = False
    iso: str = ""  # a date's machine-readable form, for <time datetime>
    span: int = 1  # columns it covers (the totals row's label)


@dataclass(frozen=True, slots=True)
class TableView:
    title: str | Promise
    columns: Sequence[Column]
    rows: list[list[Cell]]
    totals: list[Cell] | None
    total_rows: int


@dataclass(frozen=True, slots=True)
class RowBar:
    """A row chart's bar with its value written as the table writes it."""

    bar: Any
    value: str
    # A long bar carries its value inside its end: right of it, a sum of money would
    # run out of the picture.
    inside: bool = False
    value_x: float = 0.0


def _currency(request: HttpRequest) -> str:
    return getattr(getattr(request, "tenant", None), "currency", "") or "PLN"


def _date_text(value: Any) -> Cell:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return Cell(formats.date_format(value, "SHORT_DATETIME_FORMAT"), iso=value.isoformat())
    if isinstance(value, dt.date):
        return Cell(formats.date_format(value, "SHORT_DATE_FORMAT"), iso=value.isoformat())
    return Cell(str(value))


def format_value(value: Any, kind: str, currency: str) -> str:
    """A figure as the page writes it in the active language (empty for no value)."""
    if value is None or value == "":
        return ""
    if kind == "money":
        return money(value, currency)
    if kind == "count":
        return num(value)
    if kind == "quantity":
        return qty(value)
    if kind == "percent":
        return num(value, 1)
    return str(value)


def _cell(column: Column, row: dict[str, Any], currency: str) -> Cell:
    value = row.get(column.key)
    if column.kind == "date":
        # A period reads as the table names it: a day, a month, or first to last day.
        if column.key == "period" and row.get("period_label"):
            iso = value.isoformat() if isinstance(value, dt.date) else ""
            return Cell(str(row["period_label"]), iso=iso)
        return _date_text(value) if value is not None else Cell("")
    if column.numeric:
        return Cell(format_value(value, column.kind, currency) or NONE, numeric=True)
    return Cell("" if value is None else str(value))


def _table_view(table: Table, currency: str, *, main: bool) -> TableView:
    """The main table's title names its totals row ("The top 20 together"); a further
    table's (the funnel's reasons) is its heading."""
    rows = [[_cell(c, row, currency) for c in table.columns] for row in table.rows]
    totals = None
    if table.totals is not None:
        sums = table.totals
        # The columns before the first total hold, merged, what the row is.
        lead = next((i for i, c in enumerate(table.columns) if c.key in sums), 0)
        label = str(table.title) if main and table.title else _("Total")
        totals = [Cell(label, span=lead)] if lead else []
        totals += [
            Cell(format_value(sums[c.key], c.kind, currency) or NONE, numeric=c.numeric)
            if c.key in sums
            else Cell("")
            for c in table.columns[lead:]
        ]
    return TableView("" if main else table.title, table.columns, rows, totals, table.total_rows)


def _caption(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "\u2026"


def _chart(result: Result, filters: Any) -> Chart | None:
    if not result.chart:
        return None
    grain = getattr(filters, "grain", "")
    dates = getattr(filters, "range", None)
    points = []
    for p in result.chart:
        caption = p.caption
        if result.chart_kind == "columns" and not caption and isinstance(p.key, dt.date):
            # The axis has room for a short date (the period's first day in the range); the
            # tooltip and the table have the full period.
            first = max(p.key, dates.start) if dates is not None else p.key
            caption = formats.date_format(first, "M Y" if grain == "month" else "j M")
        elif result.chart_kind == "rows":
            caption = _caption(caption or p.label, ROW_CAPTION_CHARS)
        points.append(Point(key=p.key, label=p.label, value=p.value, caption=caption))
    whole = result.chart_value == "count"
    if result.chart_kind == "columns":
        every = max(1, math.ceil(len(points) / COLUMN_CAPTIONS))
        return column_chart(points, width=960, label_every=every, whole=whole)
    return row_chart(points, width=720, gutter=150, whole=whole)


def _row_bars(chart: Chart, kind: str, currency: str) -> list[RowBar]:
    plot = chart.right - chart.left
    out = []
    for bar in chart.bars:
        inside = bar.width > plot * 0.6
        x = bar.x + bar.width - 6 if inside else bar.value_x
        out.append(RowBar(bar, format_value(bar.value, kind, currency), inside, round(x, 1)))
    return out


MAX_PAGE = 1_000_000


def _page_number(request: HttpRequest) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    # Past the last page shows the last; a number past any report's pages is not one.
    return min(max(1, number), MAX_PAGE)


def _run(report: Report, filters: Any, number: int) -> tuple[Result, Page[Any]]:
    """The report's rows of page `number` (the last page when past the end)."""
    result = report_run(report, filters, offset=(number - 1) * PAGE_ROWS, limit=PAGE_ROWS)
    last = max(1, math.ceil(result.table.total_rows / PAGE_ROWS))
    if number > last:
        number = last
        result = report_run(report, filters, offset=(number - 1) * PAGE_ROWS, limit=PAGE_ROWS)
    table = result.table
    if len(table.rows) > PAGE_ROWS:
        # A ranking is short (its own limit, at most a few hundred) and answers whole.
        start = (number - 1) * PAGE_ROWS
        table.rows = table.rows[start : start + PAGE_ROWS]
    page = Paginator(range(table.total_rows), PAGE_ROWS).get_page(number)
    return result, page


def _query(request: HttpRequest, **extra: str) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in extra.items():
        params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""


def _exports(request: HttpRequest, report: Report) -> list[dict[str, str]]:
    """The export links of the report as filtered (and of its order lines, for sales)."""
    name = f"reports:{report.action}_export"
    links: list[tuple[str, str, dict[str, str]]] = [
        (_("CSV"), "csv", {}),
        (_("Excel (XLSX)"), "xlsx", {}),
    ]
    if report.lines is not None:
        links += [
            (_("Order lines, CSV"), "csv", {"what": "lines"}),
            (_("Order lines, Excel (XLSX)"), "xlsx", {"what": "lines"}),
        ]
    return [
        {"label": label, "url": reverse(name, kwargs={"fmt": fmt}) + _query(request, **extra)}
        for label, fmt, extra in links
    ]


def _scope(filters: Any) -> str:
    """What the figures cover, in words: the range, or the day of the stock."""
    dates = getattr(filters, "range", None)
    if dates is not None:
        start = formats.date_format(dates.start, "SHORT_DATE_FORMAT")
        end = formats.date_format(dates.end, "SHORT_DATE_FORMAT")
        return _("From %(start)s to %(end)s") % {"start": start, "end": end}
    as_of = getattr(filters, "as_of", None)
    if as_of is not None:
        return _("At the end of %(day)s") % {"day": formats.date_format(as_of, "SHORT_DATE_FORMAT")}
    return _("Right now")


@staff_page("reports", module=MODULE)
def index(request: HttpRequest) -> HttpResponse:
    reports = [
        {"report": r, "url": reverse(f"reports:{r.action}"), "rule": RULES.get(r.name, "")}
        for r in visible_reports(request)
    ]
    return render(request, "reports/index.html", {"reports": reports})


def _live(form: forms.Form) -> None:
    """A choice takes effect when made (panel.js submits the form); dates, typed a digit
    at a time, wait for the button, as everything does without JavaScript."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select | forms.CheckboxInput):
            field.widget.attrs["data-autosubmit"] = ""


def _show_effective(form: forms.Form, filters: Any) -> None:
    """Fill the fields left empty with what the report used (its default range, grain,
    day...), so the form shows what the figures are; the query string, and so the links
    and a bookmark, keep only what was asked (a rolling "last 30 days" stays rolling)."""
    dates = getattr(filters, "range", None)
    used = {
        "date_from": dates.start if dates is not None else None,
        "date_to": dates.end if dates is not None else None,
        "as_of": getattr(filters, "as_of", None),
        "grain": getattr(filters, "grain", None),
        "by": getattr(filters, "by", None),
        "limit": getattr(filters, "limit", None),
    }
    data = cast(QueryDict, form.data).copy()
    for name, value in used.items():
        if name in form.fields and value is not None and not data.get(name):
            data[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
    form.data = data


def report_page(request: HttpRequest, report: Report) -> HttpResponse:
    form = report.form(request.GET)
    _live(form)
    currency = _currency(request)
    context: dict[str, Any] = {
        "report": report,
        "form": form,
        "rule": RULES.get(report.name, ""),
        # Whose days a range or a day means (low stock has neither: it is now).
        "time_zone": getattr(getattr(request, "tenant", None), "time_zone", "")
        if {"date_from", "as_of"} & set(form.fields)
        else "",
        "filtered": any(request.GET.get(name) for name in form.fields),
        "currency": currency,
    }
    # Bad filters: the form comes back with its errors on the fields and no figures. A
    # 400 (as the API answers), so a script reading the page knows it got no report.
    if not form.is_valid():
        return render(request, "reports/report.html", context, status=400)
    filters = form.filters()
    _show_effective(form, filters)
    try:
        result, page = _run(report, filters, _page_number(request))
    except ReportTooSlow as exc:
        form.add_error(None, exc.message)
        return render(request, "reports/report.html", context, status=503)
    row_bars = None
    chart = _chart(result, filters)
    if chart is not None and result.chart_kind == "rows":
        row_bars = _row_bars(chart, result.chart_value, currency)
    context.update(
        result=result,
        table=_table_view(result.table, currency, main=True),
        more=[_table_view(t, currency, main=False) for t in result.more],
        page=page,
        chart=chart,
        row_bars=row_bars,
        chart_money=result.chart_value == "money",
        scope=_scope(filters),
        exports=_exports(request, report),
        exports_url=reverse("reports:exports"),
    )
    return render(request, "reports/report.html", context)
