"""Reads of a customer's own quotes for the portal: every query is filtered by the
customer and leaves drafts out (a draft was never sent to them), so another customer's
quote and a draft are simply not found (404, never 403).

Each quote carries `shown_status` (sales.selectors.quote_shown_status): a sent quote past
its date says "expired" before the hourly job writes it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tenant_apps.sales.models import Quote, QuoteLine
from tenant_apps.sales.selectors import SHOWN_STATUS, quote_shown_status

S = Quote.Status

WAITING = "waiting"  # sent and still valid: the customer's to decide
ALL = "all"
# The statuses a customer may filter on (the API's ?status=): all but draft.
VISIBLE_STATUSES: tuple[str, ...] = (S.SENT, S.ACCEPTED, S.REJECTED, S.EXPIRED)

# What a list row shows.
ROW_FIELDS = (
    "id", "number", "status", "created_at", "sent_at", "valid_until", "accepted_at",
    "rejected_at", "total_net", "total_vat", "total_gross", "customer", "order",
)  # fmt: skip


def _theirs(customer_id: uuid.UUID) -> QuerySet[Quote]:
    return (
        Quote.objects.filter(customer_id=customer_id)
        .exclude(status=S.DRAFT)
        .annotate(**{SHOWN_STATUS: quote_shown_status()})
    )


def portal_quote_tab(value: str | None, *, waiting: int) -> str:
    """The list's tab as asked (`waiting` or `all`); without one, `waiting` while
    something waits for the customer, else `all`."""
    if value in (WAITING, ALL):
        return str(value)
    return WAITING if waiting else ALL


def portal_quote_statuses(value: str | None) -> tuple[str, ...]:
    """The API's `?status=` (one or more shown statuses, comma-separated, or `waiting`
    for "sent"); unknown words are ignored, nothing known means every status."""
    wanted = {part.strip() for part in (value or "").split(",") if part.strip()}
    if WAITING in wanted:
        wanted.discard(WAITING)
        wanted.add(S.SENT)
    return tuple(status for status in VISIBLE_STATUSES if status in wanted)


def portal_quote_rows(*, customer_id: uuid.UUID, statuses: tuple[str, ...] = ()) -> QuerySet[Quote]:
    """The customer's quotes but drafts, newest first, with what a row shows (and the
    order's number); `statuses` filters on the shown status."""
    qs = _theirs(customer_id).select_related("order").only(*ROW_FIELDS, "order__number")
    if statuses:
        qs = qs.filter(**{f"{SHOWN_STATUS}__in": statuses})
    return qs.order_by("-created_at", "-number")


@dataclass(frozen=True, slots=True)
class QuoteTab:
    key: str
    label: Any
    count: int


def portal_quote_tabs(*, customer_id: uuid.UUID) -> list[QuoteTab]:
    """ "Waiting for you" (sent and valid) and "All" with their counts (one query)."""
    counts = (
        _theirs(customer_id)
        .order_by()
        .aggregate(all=Count("id"), waiting=Count("id", filter=Q(**{SHOWN_STATUS: S.SENT})))
    )
    return [
        QuoteTab(WAITING, _("Waiting for you"), counts["waiting"] or 0),
        QuoteTab(ALL, _("All"), counts["all"] or 0),
    ]


def portal_quote_detail(*, customer_id: uuid.UUID, quote_id: uuid.UUID | str) -> Quote:
    """One of the customer's quotes with its lines (and their products), the customer
    and the order; Quote.DoesNotExist when it is not theirs or still a draft."""
    lines = QuoteLine.objects.select_related("product").order_by("position")
    return (
        _theirs(customer_id)
        .select_related("customer", "order")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .get(pk=quote_id)
    )
