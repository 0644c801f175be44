"""Reads of the messages domain: a customer's thread and what is unread."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from tenant_apps.customers.models import Customer

from .models import Author, Message

_UNREAD = Q(author_kind=Author.CUSTOMER, read_by_staff_at__isnull=True)


def thread(customer_id: uuid.UUID) -> QuerySet[Message]:
    """A customer's messages, newest first (pages start at the latest; a page is shown
    oldest to newest). Nothing to join: the author's name is on the row."""
    return Message.objects.filter(customer_id=customer_id).order_by("-created_at", "-id")


def unread_by_staff_count(*, customer_id: uuid.UUID | None = None) -> int:
    """Customers' messages no staff member has read: one customer's, or all (one count
    on the partial index)."""
    unread = Message.objects.filter(author_kind=Author.CUSTOMER, read_by_staff_at__isnull=True)
    if customer_id is not None:
        unread = unread.filter(customer_id=customer_id)
    return unread.count()


def unread_by_staff_per_customer(customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """For a list of customers: how many of each one's messages the staff have not read
    (one grouped query; customers without unread messages are left out)."""
    rows = (
        Message.objects.filter(
            customer_id__in=customer_ids,
            author_kind=Author.CUSTOMER,
            read_by_staff_at__isnull=True,
        )
        .values("customer_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["customer_id"]: row["n"] for row in rows}


def unread_by_customer_count(*, customer_id: uuid.UUID) -> int:
    """Staff messages the customer has not read yet (the portal's home)."""
    return Message.objects.filter(
        customer_id=customer_id, author_kind=Author.STAFF, read_by_customer_at__isnull=True
    ).count()


# --- the staff's list of threads -----------------------------------------------------------


def threads(*, unread_only: bool = False) -> QuerySet[Any]:
    """One row per customer who has a thread: `customer_id`, `last_at` (the latest
    message), `unread` (the customer's messages no staff member has read); one grouped
    query, to be sorted and paged by the caller."""
    rows = Message.objects.values("customer_id").annotate(
        last_at=Max("created_at"), unread=Count("id", filter=_UNREAD)
    )
    if unread_only:
        rows = rows.filter(unread__gt=0)
    return rows.order_by()


def thread_counts() -> tuple[int, int]:
    """How many customers have a thread, and how many of them wrote something unread."""
    totals = Message.objects.aggregate(
        all=Count("customer_id", distinct=True),
        unread=Count("customer_id", distinct=True, filter=_UNREAD),
    )
    return totals["all"], totals["unread"]


@dataclass(frozen=True)
class ThreadSummary:
    customer: Customer
    last: Message
    last_at: datetime
    unread: int


def thread_summaries(rows: Sequence[dict[str, Any]]) -> list[ThreadSummary]:
    """The rows of `threads()` (a page of them) with their customers and latest messages:
    two queries whatever the page holds."""
    ids = [row["customer_id"] for row in rows]
    customers = Customer.objects.in_bulk(ids)
    latest = {
        m.customer_id: m
        for m in Message.objects.filter(customer_id__in=ids)
        .order_by("customer_id", "-created_at", "-id")
        .distinct("customer_id")
    }
    return [
        ThreadSummary(
            customers[r["customer_id"]], latest[r["customer_id"]], r["last_at"], r["unread"]
        )
        for r in rows
        if r["customer_id"] in customers and r["customer_id"] in latest
    ]
