"""The staff panel's start page (the dashboard) and the search page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats

from dockpulse.web.access import can, enabled_modules, staff_page
from dockpulse.web.charts import Chart, Point, column_chart, row_chart

from . import selectors

SEARCH_MIN = 2
SEARCH_MAX = 100  # characters of the query that are used
DROPDOWN_HITS = 5
PAGE_HITS = 20


def _revenue_chart(series: list[tuple[dt.date, Decimal]]) -> Chart:
    points = [
        Point(
            key=day,
            label=formats.date_format(day, "MONTH_DAY_FORMAT"),
            caption=formats.date_format(day, "j M"),
            value=gross,
        )
        for day, gross in series
    ]
    return column_chart(points, width=520, label_every=7)


def _status_chart(counts: list[selectors.StatusCount]) -> Chart:
    points = [
        Point(key=c.status, label=c.label, value=c.recent, css=f"status-{c.status}") for c in counts
    ]
    return row_chart(points, width=520, whole=True)


@staff_page("dashboard")
def home(request: HttpRequest) -> HttpResponse:
    modules = enabled_modules(request)
    user = request.user
    today = selectors.tenant_today()
    currency = getattr(getattr(request, "tenant", None), "currency", "") or "PLN"
    context: dict[str, object] = {"today": today, "currency": currency}
    if "@orders" in modules and can(user, "orders"):
        statuses = selectors.orders_by_status(today=today)
        context.update(
            sales=selectors.sales_kpis(today=today),
            open_orders=[s for s in statuses if s.status in selectors.OPEN_STATUSES],
            revenue_chart=_revenue_chart(selectors.revenue_per_day(today=today)),
            status_chart=_status_chart(statuses),
            chart_days=selectors.CHART_DAYS,
        )
    if "@quotes" in modules and can(user, "quotes"):
        context["quotes"] = selectors.quotes_awaiting()
    if "@stock" in modules and can(user, "stock"):
        context["low_stock"] = selectors.low_stock()
    if can(user, "events"):
        context["activity"] = selectors.recent_activity(modules=modules)
    return render(request, "dashboard/home.html", context)


@staff_page("dashboard")
def search(request: HttpRequest) -> HttpResponse:
    """?q=: the header box's dropdown for htmx requests (a few hits per provider), else the
    full page. Under two characters nothing is searched (the dropdown stays empty)."""
    query = request.GET.get("q", "").strip()[:SEARCH_MAX]
    dropdown = bool(getattr(request, "htmx", False))
    groups: list[selectors.SearchGroup] = []
    if len(query) >= SEARCH_MIN:
        groups = selectors.search(
            query,
            modules=enabled_modules(request),
            may_read=lambda resource: can(request.user, resource, "read"),
            limit=DROPDOWN_HITS if dropdown else PAGE_HITS,
        )
    if dropdown:
        if len(query) < SEARCH_MIN:
            return HttpResponse("")  # an empty box: `.search-results:empty` hides it
        return render(request, "dashboard/search_results.html", {"groups": groups, "query": query})
    context = {
        "groups": groups,
        "query": query,
        "search_query": query,  # the header box shows it
        "too_short": 0 < len(query) < SEARCH_MIN,
    }
    return render(request, "dashboard/search.html", context)
