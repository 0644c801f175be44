"""What the portal's home page (and GET /api/v1/portal/home/) shows a customer: their
open orders, the quotes waiting for their decision and how many staff messages they have
not read. Three queries, whatever the number of orders or quotes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Count, QuerySet, Window

from dockpulse.tenancy import tenant_today
from tenant_apps.messaging.selectors import unread_by_customer_count
from tenant_apps.sales.models import Order, Quote

from .orders import OPEN, portal_order_rows

Row = TypeVar("Row", Order, Quote)
TOTAL = "portal_total"  # the window count's annotation

# How many of each the home page lists (the rest are behind "All ...").
HOME_ROWS = 5

QUOTE_FIELDS = ("id", "number", "status", "valid_until", "sent_at", "total_gross", "customer")


def portal_waiting_quotes(*, customer_id: uuid.UUID) -> QuerySet[Quote]:
    """The customer's sent quotes that are still valid (valid_until today or later, in
    the tenant's time zone), the soonest to expire first: the ones to decide on."""
    today = tenant_today()
    return (
        Quote.objects.filter(
            customer_id=customer_id, status=Quote.Status.SENT, valid_until__gte=today
        )
        .only(*QUOTE_FIELDS)
        .order_by("valid_until", "-created_at", "-number")
    )


@dataclass(frozen=True, slots=True)
class HomeSummary:
    open_orders: list[Order]  # the newest HOME_ROWS
    open_orders_count: int
    waiting_quotes: list[Quote]  # the soonest to expire, HOME_ROWS of them
    waiting_quotes_count: int
    unread_messages: int


def _head_and_count(qs: QuerySet[Row], limit: int) -> tuple[list[Row], int]:
    """The first `limit` rows and how many there are, in one query: a window count over
    the whole filtered set rides on each row (no rows: none)."""
    rows = list(qs.annotate(**{TOTAL: Window(expression=Count("id"))})[:limit])
    return rows, (getattr(rows[0], TOTAL) if rows else 0)


def portal_home(*, customer_id: uuid.UUID, limit: int = HOME_ROWS) -> HomeSummary:
    orders, orders_count = _head_and_count(
        portal_order_rows(customer_id=customer_id, status=OPEN), limit
    )
    quotes, quotes_count = _head_and_count(portal_waiting_quotes(customer_id=customer_id), limit)
    return HomeSummary(
        open_orders=orders,
        open_orders_count=orders_count,
        waiting_quotes=quotes,
        waiting_quotes_count=quotes_count,
        unread_messages=unread_by_customer_count(customer_id=customer_id),
    )
