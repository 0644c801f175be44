"""Writes of the dashboard's daily aggregates (models.DailySales).

Which orders count, and where:

- An order counts on the day it was **created**, in the tenant's time zone (the day never
  changes afterwards), under its **current** status.
- **Orders** and **gross revenue** of a period are the orders created in it that are not
  cancelled, and their `total_gross`. Cancelling an order moves it, and its revenue, to
  its day's `cancelled` row: the day's figures fall, exactly as a rebuild would say.
- A new order's lines may still change (`entity.updated`): the day is recomputed with the
  new totals.

Both writes recompute rows from the orders in one SQL aggregation (grouped by day and
status) and replace them: running them again gives the same rows, so a replayed event
can never count an order twice. They take the tenant's handler lock (the one every event
handler run takes), so a rebuild and a drain of the same tenant never interleave.

A change of the tenant's time zone moves day boundaries: run `daily_sales_rebuild()`
(or `manage.py rebuild_dashboard SLUG`) afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from dockpulse.events.delivery import lock_handlers
from dockpulse.tenancy import clock, tenant_atomic
from tenant_apps.sales.models import Order

from .models import DailySales

tenant_zone = clock.tenant_zone
day_start = clock.tenant_day_start


def _aggregate(orders: QuerySet[Order]) -> list[DailySales]:
    """The rows for `orders`: one SQL aggregation grouped by tenant day and status."""
    grouped = (
        orders.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=tenant_zone()))
        .values("day", "status")
        .annotate(n=Count("id"), gross=Sum("total_gross"), net=Sum("total_net"))
    )
    return [
        DailySales(
            day=row["day"],
            status=row["status"],
            orders_count=row["n"],
            gross_total=row["gross"],
            net_total=row["net"],
        )
        for row in grouped
    ]


def daily_sales_rebuild(*, since: dt.date | None = None) -> int:
    """Recompute the aggregates from the orders: every day, or the tenant days from `since`
    on. For bulk inserts that sent no events (seed_demo), a time zone change, or a repair.
    Returns how many days have figures now (from `since` on)."""
    with tenant_atomic():
        lock_handlers()
        stale = DailySales.objects.all()
        orders = Order.objects.all()
        if since is not None:
            stale = stale.filter(day__gte=since)
            orders = orders.filter(created_at__gte=day_start(since))
        stale.delete()
        rows = DailySales.objects.bulk_create(_aggregate(orders))
    return len({row.day for row in rows})


def daily_sales_refresh(*, days: Iterable[dt.date]) -> int:
    """Recompute the given tenant days (the event handler's step); how many rows now."""
    wanted = sorted(set(days))
    if not wanted:
        return 0
    windows = [
        Q(created_at__gte=day_start(day), created_at__lt=day_start(day + dt.timedelta(days=1)))
        for day in wanted
    ]
    with tenant_atomic():
        lock_handlers()
        DailySales.objects.filter(day__in=wanted).delete()
        rows = DailySales.objects.bulk_create(
            _aggregate(Order.objects.filter(reduce(or_, windows)))
        )
    return len(rows)
