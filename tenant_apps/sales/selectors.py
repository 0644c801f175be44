"""Reads of orders and quotes, with what their lists show fetched up front."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet

from dockpulse.tenancy import get_current_tenant

from . import line_stock
from .models import Order, OrderLine, OrderStatusChange, Quote, QuoteLine


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the tenant's time zone: "orders of 3 May" is the tenant's 3 May."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(get_current_tenant().time_zone))


def order_list(
    *,
    status: str = "",
    customer: uuid.UUID | None = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    search: str = "",
) -> QuerySet[Order]:
    # What stock holds for each line (reserved / backordered) comes in the same query.
    lines = OrderLine.objects.order_by("position")
    if line_stock.related():
        lines = lines.select_related(*line_stock.related())
    qs = Order.objects.select_related("customer", "assigned_to").prefetch_related(
        Prefetch("lines", queryset=lines)
    )
    if status:
        qs = qs.filter(status__in=status.split(","))
    if customer:
        qs = qs.filter(customer_id=customer)
    if created_from:
        qs = qs.filter(created_at__gte=_day_start(created_from))
    if created_to and created_to < dt.date.max:
        qs = qs.filter(created_at__lt=_day_start(created_to + dt.timedelta(days=1)))
    if search:
        qs = qs.filter(number__icontains=search)
    return qs.order_by("-created_at", "-number")


def order_get(order_id: uuid.UUID | str) -> Order:
    return order_list().get(pk=order_id)


def order_history(order: Order) -> QuerySet[OrderStatusChange]:
    return order.history.order_by("created_at")


def quote_list(
    *, status: str = "", customer: uuid.UUID | None = None, search: str = ""
) -> QuerySet[Quote]:
    qs = Quote.objects.select_related("customer", "assigned_to", "order").prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.order_by("position"))
    )
    if status:
        qs = qs.filter(status__in=status.split(","))
    if customer:
        qs = qs.filter(customer_id=customer)
    if search:
        qs = qs.filter(number__icontains=search)
    return qs.order_by("-created_at", "-number")


def quote_get(quote_id: uuid.UUID | str) -> Quote:
    return quote_list().get(pk=quote_id)
