"""Reads of the dashboard and the search page.

Every figure is one SQL statement whatever the number of orders or events: sales from
the daily aggregates (models.DailySales, at most a few rows per day), quotes awaiting a
decision and low stock from indexed columns of their own tables, the activity from the
newest rows of the event log (its `created_at` index) with the names of who did it in one
query per kind of actor.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from dockpulse import extensions
from dockpulse.events.models import EventLog
from dockpulse.extensions import SearchHit
from dockpulse.tenancy import clock
from tenant_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.sales.models import Order, Quote
from tenant_apps.stock.models import StockLevel
from tenant_apps.stock.selectors import level_list

from .activity import HIDDEN_TYPES, MODULE_OF_ENTITY, MODULE_OF_PREFIX, describe
from .models import DailySales

S = Order.Status
# Revenue and order counts: every order but the cancelled ones (services.py).
COUNTED = ~Q(status=S.CANCELLED)
# Orders somebody still has to act on (shipped ones await their delivery).
OPEN_STATUSES = (S.NEW, S.CONFIRMED, S.IN_PROGRESS, S.SHIPPED)
CHART_DAYS = 30


# --- sales ---------------------------------------------------------------------------


# The dashboard's days are the tenant's days.
tenant_today = clock.tenant_today


@dataclass(frozen=True, slots=True)
class Figures:
    orders: int
    gross: Decimal


@dataclass(frozen=True, slots=True)
class SalesKpis:
    today: Figures
    yesterday: Figures
    month: Figures
    # Last month from its first day to the same day of the month as today (or its last).
    last_month: Figures
    last_month_until: dt.date


def last_month_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """Last month's first day and its day matching today's (31 March -> 28/29 February)."""
    last_end = today.replace(day=1) - dt.timedelta(days=1)
    return last_end.replace(day=1), last_end.replace(day=min(today.day, last_end.day))


def sales_kpis(*, today: dt.date) -> SalesKpis:
    """Today, yesterday, this month and last month to the same day: one query."""
    month_start = today.replace(day=1)
    last_start, last_until = last_month_window(today)
    windows = {
        "today": Q(day=today),
        "yesterday": Q(day=today - dt.timedelta(days=1)),
        "month": Q(day__gte=month_start, day__lte=today),
        "last_month": Q(day__gte=last_start, day__lte=last_until),
    }
    sums: dict[str, Any] = {}
    for name, window in windows.items():
        sums[f"{name}_orders"] = Sum("orders_count", filter=window)
        sums[f"{name}_gross"] = Sum("gross_total", filter=window)
    earliest = min(last_start, today - dt.timedelta(days=1))
    row = DailySales.objects.filter(COUNTED, day__gte=earliest, day__lte=today).aggregate(**sums)

    def figures(name: str) -> Figures:
        return Figures(row[f"{name}_orders"] or 0, row[f"{name}_gross"] or Decimal("0.00"))

    return SalesKpis(
        today=figures("today"),
        yesterday=figures("yesterday"),
        month=figures("month"),
        last_month=figures("last_month"),
        last_month_until=last_until,
    )


def revenue_per_day(*, today: dt.date, days: int = CHART_DAYS) -> list[tuple[dt.date, Decimal]]:
    """Gross revenue of each of the last `days` days, oldest first (0 for a quiet day)."""
    first = today - dt.timedelta(days=days - 1)
    totals = dict(
        DailySales.objects.filter(COUNTED, day__gte=first, day__lte=today)
        .values("day")
        .annotate(gross=Sum("gross_total"))
        .order_by()
        .values_list("day", "gross")
    )
    return [
        (day, totals.get(day) or Decimal("0.00"))
        for day in (first + dt.timedelta(days=i) for i in range(days))
    ]


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: str
    label: str
    open: int  # orders in this status now (open statuses only)
    recent: int  # orders of the last CHART_DAYS days now in this status


def orders_by_status(*, today: dt.date, days: int = CHART_DAYS) -> list[StatusCount]:
    """Per status, in the order of the workflow: how many orders are in it now (the open
    ones) and how many of the last `days` days' orders are. One query."""
    first = today - dt.timedelta(days=days - 1)
    recent, open_ = Q(day__gte=first, day__lte=today), Q(status__in=OPEN_STATUSES)
    counts = {
        row["status"]: row
        for row in DailySales.objects.filter(recent | open_)
        .values("status")
        .annotate(recent=Sum("orders_count", filter=recent), open=Sum("orders_count", filter=open_))
        .order_by()
    }
    return [
        StatusCount(
            status=str(status),
            label=str(status.label),
            open=(counts.get(status) or {}).get("open") or 0,
            recent=(counts.get(status) or {}).get("recent") or 0,
        )
        for status in S
    ]


# --- quotes and stock ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Awaiting:
    count: int
    gross: Decimal
    soonest: Sequence[Quote]  # the first to run out of validity


def quotes_awaiting(*, limit: int = 5) -> Awaiting:
    """Sent quotes not yet accepted, rejected or expired (the status index): two queries."""
    sent = Quote.objects.filter(status=Quote.Status.SENT)
    totals = sent.aggregate(n=Count("id"), gross=Sum("total_gross"))
    soonest = list(sent.select_related("customer").order_by("valid_until", "number")[:limit])
    return Awaiting(totals["n"] or 0, totals["gross"] or Decimal("0.00"), soonest)


@dataclass(frozen=True, slots=True)
class LowStock:
    count: int
    levels: Sequence[StockLevel]


def low_stock(*, limit: int = 8) -> LowStock:
    """Levels whose available stock is below their threshold (stock's own selector)."""
    low = level_list(low=True)
    return LowStock(low.count(), list(low[:limit]))


# --- recent activity -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Activity:
    text: str
    who: str
    when: dt.datetime
    event_type: str


def _shown_events(modules: frozenset[str]) -> QuerySet[EventLog]:
    qs = EventLog.objects.exclude(event_type__in=HIDDEN_TYPES)
    for prefix, module in MODULE_OF_PREFIX.items():
        if module not in modules:
            qs = qs.exclude(event_type__startswith=prefix)
    hidden_entities = [e for e, module in MODULE_OF_ENTITY.items() if module not in modules]
    if hidden_entities:
        qs = qs.exclude(event_type__startswith="entity.", entity_type__in=hidden_entities)
    return qs


def recent_activity(*, modules: frozenset[str], limit: int = 10) -> list[Activity]:
    """The newest events of the enabled modules as sentences, with who caused them."""
    events = list(
        _shown_events(modules)
        .order_by("-created_at", "-id")
        .only("event_type", "entity_type", "payload", "user_id", "actor_type", "created_at")[:limit]
    )
    staff_ids = {e.user_id for e in events if e.actor_type == EventLog.ActorType.STAFF}
    customer_ids = {e.user_id for e in events if e.actor_type == EventLog.ActorType.CUSTOMER}
    names: dict[uuid.UUID | None, str] = {}
    if staff_ids:
        names.update(User.objects.filter(pk__in=staff_ids).order_by().values_list("id", "name"))
    if customer_ids:
        names.update(
            Customer.objects.filter(pk__in=customer_ids).order_by().values_list("id", "name")
        )
    system = str(EventLog.ActorType.SYSTEM.label)
    return [
        Activity(
            text=describe(e.event_type, e.entity_type, e.payload),
            who=system if e.actor_type == EventLog.ActorType.SYSTEM else names.get(e.user_id, ""),
            when=e.created_at,
            event_type=e.event_type,
        )
        for e in events
    ]


# --- search ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchGroup:
    key: str
    label: Any
    hits: Sequence[SearchHit]


def search(query: str, *, modules: frozenset[str], may_read: Any, limit: int) -> list[SearchGroup]:
    """Each registered provider whose module is on and whose resource the user may read
    (`may_read(resource) -> bool`), asked for at most `limit` hits: one query each."""
    groups = []
    for provider in extensions.search_providers():
        if provider.module and provider.module not in modules:
            continue
        if provider.resource and not may_read(provider.resource):
            continue
        hits = list(provider.find(query, limit))[:limit]
        if hits:
            groups.append(SearchGroup(provider.key, provider.label, hits))
    return groups
