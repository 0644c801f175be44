"""Reads of orders and quotes, with what their lists show fetched up front."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from dockpulse.tenancy import tenant_day_start, tenant_today
from tenant_apps.accounts.models import User
from tenant_apps.products.models import Product

from . import line_stock
from .models import Order, OrderLine, OrderStatusChange, Quote, QuoteLine

_day_start = tenant_day_start  # "orders of 3 May" is the tenant's 3 May


def order_list(
    *,
    status: str = "",
    customer: uuid.UUID | None = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    search: str = "",
    source: str = "",
    assigned_to: uuid.UUID | None = None,
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
    if source:
        qs = qs.filter(source=source)
    if assigned_to:
        qs = qs.filter(assigned_to_id=assigned_to)
    return qs.order_by("-created_at", "-number")


def order_rows(**filters: Any) -> QuerySet[Order]:
    """order_list without the lines: what a list row or an export row shows."""
    return order_list(**filters).prefetch_related(None)


def order_status_counts(**filters: Any) -> dict[str, int]:
    """How many orders each status has under the other filters (one GROUP BY); the
    `status` filter itself is ignored, so the list's tabs can show every status."""
    filters.pop("status", None)
    rows = (
        order_rows(**filters)
        .select_related(None)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    return {row["status"]: row["n"] for row in rows}


@dataclass(frozen=True, slots=True)
class VatRow:
    rate: str
    net: Decimal
    vat: Decimal
    gross: Decimal


def vat_summary(amounts: Iterable[tuple[str, Decimal, Decimal]]) -> list[VatRow]:
    """(rate, net, VAT) of each line, already rounded, summed per rate: the document's
    VAT summary adds up to its totals (services.lines rounds each line on its own)."""
    net: dict[str, Decimal] = {}
    vat: dict[str, Decimal] = {}
    for rate, line_net, line_vat in amounts:
        net[rate] = net.get(rate, Decimal(0)) + line_net
        vat[rate] = vat.get(rate, Decimal(0)) + line_vat

    def highest_first(rate: str) -> tuple[int, Decimal]:
        # "zw" (exempt) after the numeric rates.
        return (0, -Decimal(rate)) if rate[:1].isdigit() else (1, Decimal(0))

    return [
        VatRow(rate, net[rate], vat[rate], net[rate] + vat[rate])
        for rate in sorted(net, key=highest_first)
    ]


def order_get(order_id: uuid.UUID | str) -> Order:
    return order_list().get(pk=order_id)


def order_detail(order_id: uuid.UUID | str) -> Order:
    """One order for its page: customer, handler, and its lines with their products and
    what stock holds for them, in three queries whatever the number of lines."""
    lines = OrderLine.objects.select_related("product", *line_stock.related()).order_by("position")
    return (
        Order.objects.select_related("customer", "assigned_to")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .get(pk=order_id)
    )


def order_history(order: Order) -> QuerySet[OrderStatusChange]:
    return order.history.order_by("created_at")


def order_last_change(order: Order) -> OrderStatusChange | None:
    return order.history.order_by("-created_at").first()


# --- what the line editor offers (orders and quotes) ------------------------------------


def product_suggestions(query: str, limit: int) -> list[Product]:
    """Active products whose code or name contains `query`, by code (one query)."""
    condition = Q(code__icontains=query) | Q(name__icontains=query)
    return list(Product.objects.filter(condition, is_active=True).order_by("code")[:limit])


def staff_choices(keep: Sequence[uuid.UUID] = ()) -> list[User]:
    """Active staff by name, and `keep` (a document's handler) even if they have left."""
    users = User.objects.filter(Q(is_active=True) | Q(pk__in=list(keep)))
    return list(users.order_by("name", "email"))


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


# --- the quote pages (issue 14) ----------------------------------------------------------

from django.db.models import Case  # noqa: E402  (appended below the orders' part)

from dockpulse.events.models import EventLog  # noqa: E402


@dataclass(frozen=True, slots=True)
class QuoteEvent:
    event: EventLog
    actor_name: str  # the staff member's name; blank for customers and the system


# The annotation's name, kept in one constant (the type checker cannot see annotations).
SHOWN_STATUS = "shown_status"


def quote_shown_status() -> Case:
    """The status a quote shows: a sent quote past its date is expired already, before
    the hourly job (quotes_expire) writes it."""
    from django.db.models import CharField, F, Value, When

    today = tenant_today()
    return Case(
        When(
            status=Quote.Status.SENT,
            valid_until__lt=today,
            then=Value(Quote.Status.EXPIRED.value),
        ),
        default=F("status"),
        output_field=CharField(),
    )


def quote_rows(
    *,
    status: str = "",
    customer: uuid.UUID | None = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    assigned_to: uuid.UUID | None = None,
    search: str = "",
) -> QuerySet[Quote]:
    """The quote list's rows (no lines), each with `shown_status`; `status` filters on it,
    `search` looks in the number and the customer's name."""
    qs = Quote.objects.select_related("customer", "assigned_to", "order").annotate(
        **{SHOWN_STATUS: quote_shown_status()}
    )
    if status:
        qs = qs.filter(**{f"{SHOWN_STATUS}__in": status.split(",")})
    if customer:
        qs = qs.filter(customer_id=customer)
    if created_from:
        qs = qs.filter(created_at__gte=_day_start(created_from))
    if created_to and created_to < dt.date.max:
        qs = qs.filter(created_at__lt=_day_start(created_to + dt.timedelta(days=1)))
    if assigned_to:
        qs = qs.filter(assigned_to_id=assigned_to)
    if search:
        from django.db.models import Q as Where

        qs = qs.filter(Where(number__icontains=search) | Where(customer__name__icontains=search))
    return qs.order_by("-created_at", "-number")


def quote_status_counts(**filters: Any) -> dict[str, int]:
    """Quotes per shown status under the other filters, in one GROUP BY (for the tabs)."""
    filters.pop("status", None)
    rows = (
        quote_rows(**filters)
        .select_related(None)
        .order_by()
        .values(SHOWN_STATUS)
        .annotate(n=Count("id"))
    )
    return {row[SHOWN_STATUS]: row["n"] for row in rows}


def quote_detail(quote_id: uuid.UUID | str) -> Quote:
    """One quote with its lines (and their products), its customer, handler and order."""
    lines = QuoteLine.objects.select_related("product").order_by("position")
    return (
        Quote.objects.select_related("customer", "assigned_to", "order")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .annotate(**{SHOWN_STATUS: quote_shown_status()})
        .get(pk=quote_id)
    )


def quote_events(quote: Quote) -> list[QuoteEvent]:
    """The quote's events, oldest first, with who caused them (one query for the names)."""
    from tenant_apps.accounts.models import User as Staff

    events = list(
        EventLog.objects.filter(entity_type="quote", entity_id=quote.pk).order_by(
            "created_at", "id"
        )
    )
    ids = {event.user_id for event in events if event.user_id and event.actor_type == "staff"}
    users = Staff.objects.filter(pk__in=ids) if ids else Staff.objects.none()
    names = {user.pk: user.get_full_name() for user in users}
    return [
        QuoteEvent(event, names.get(event.user_id, "") if event.user_id else "") for event in events
    ]


# --- the search box ----------------------------------------------------------------------
# Matching unordered first lets the trigram index on the number answer; ordering every
# match by date would walk the date index past all 100,000 orders when few match
# (customers.selectors.SEARCH_POOL, docs/performance.md).
SEARCH_POOL = 200


def order_search(query: str, limit: int) -> list[Order]:
    """The search box: at most `limit` orders whose number contains `query`, newest first
    among the first SEARCH_POOL matches, with their customer (one query)."""
    pool = Order.objects.filter(number__icontains=query).values("pk")[:SEARCH_POOL]
    found = Order.objects.filter(pk__in=pool).select_related("customer")
    return list(found.order_by("-created_at", "-number")[:limit])


def quote_search(query: str, limit: int) -> list[Quote]:
    """The same for quotes."""
    pool = Quote.objects.filter(number__icontains=query).values("pk")[:SEARCH_POOL]
    found = Quote.objects.filter(pk__in=pool).select_related("customer")
    return list(found.order_by("-created_at", "-number")[:limit])
