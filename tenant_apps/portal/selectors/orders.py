"""Reads of a customer's own orders for the portal: every query is filtered by the
customer, so another customer's order is simply not found (404, never 403).

The list reads only what a row shows (no lines, no JSON blobs), so a page of 25 is one
query however many orders the customer has; the tab counts are one GROUP BY. Both walk
the index `idx_orders_customer_created` (customer, created_at DESC, number DESC).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from tenant_apps.sales.models import Order, OrderLine, OrderStatusChange

S = Order.Status

# What "open" means to a customer: not delivered and not cancelled.
OPEN_STATUSES: tuple[str, ...] = (S.NEW, S.CONFIRMED, S.IN_PROGRESS, S.SHIPPED)
OPEN = "open"
ALL = "all"

# What a list row shows.
ROW_FIELDS = (
    "id", "number", "status", "created_at", "delivery_date", "tracking_number",
    "total_net", "total_vat", "total_gross", "customer",
)  # fmt: skip


def portal_status_filter(value: str | None) -> str:
    """The list's filter as given (`open`, `all` or a status); anything else is `all`."""
    if value in (OPEN, ALL) or value in S.values:
        return str(value)
    return ALL


def portal_order_rows(*, customer_id: uuid.UUID, status: str = ALL) -> QuerySet[Order]:
    """The customer's orders, newest first, with the fields a row shows; `status` is
    `all`, `open` or one status."""
    qs = Order.objects.filter(customer_id=customer_id).only(*ROW_FIELDS)
    if status == OPEN:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in S.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-number")


@dataclass(frozen=True, slots=True)
class StatusTab:
    key: str
    label: Any
    count: int


def portal_order_tabs(*, customer_id: uuid.UUID) -> list[StatusTab]:
    """All, Open, then each status the customer has orders in (one GROUP BY)."""
    from django.utils.translation import gettext_lazy as _

    rows = (
        Order.objects.filter(customer_id=customer_id)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    counts = {row["status"]: row["n"] for row in rows}
    tabs = [
        StatusTab(ALL, _("All"), sum(counts.values())),
        StatusTab(OPEN, _("Open"), sum(counts.get(s, 0) for s in OPEN_STATUSES)),
    ]
    tabs += [StatusTab(s.value, s.label, counts[s.value]) for s in S if counts.get(s.value)]
    return tabs


def portal_order_detail(*, customer_id: uuid.UUID, order_id: uuid.UUID | str) -> Order:
    """One of the customer's orders with its lines (and their products) and its history;
    Order.DoesNotExist when it is not theirs. Three queries whatever the number of lines."""
    lines = OrderLine.objects.select_related("product").order_by("position")
    history = OrderStatusChange.objects.order_by("created_at")
    return (
        Order.objects.filter(customer_id=customer_id)
        .prefetch_related(Prefetch("lines", queryset=lines), Prefetch("history", queryset=history))
        .get(pk=order_id)
    )


def portal_order_get(*, customer_id: uuid.UUID, order_id: uuid.UUID | str) -> Order:
    """One of the customer's orders (header only, with the customer for its PDF);
    Order.DoesNotExist when it is not theirs."""
    return Order.objects.filter(customer_id=customer_id).select_related("customer").get(pk=order_id)
