from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import F, Func, Q, QuerySet

from dockpulse.tenancy import tenant_day_start

from .models import Customer, TimelineEntry

_day_start = tenant_day_start  # "created on 3 May" is the tenant's day


def customer_list(
    *,
    search: str = "",
    tag: str = "",
    portal: bool | None = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
) -> QuerySet[Customer]:
    """Search over name, company, phone, NIP, e-mail and tags; filter by tag, portal
    access and the (tenant-local) days the customer was created between, both included."""
    qs = Customer.objects.order_by("name", "id")
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        condition = (
            Q(name__icontains=search)
            | Q(company_name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search)
            | Q(tags__contains=[search])
        )
        if digits:
            condition |= Q(phone__contains=digits) | Q(nip__contains=digits)
        qs = qs.filter(condition)
    if tag:
        qs = qs.filter(tags__contains=[tag])
    if portal is not None:
        qs = qs.filter(is_portal_active=portal)
    if created_from:
        qs = qs.filter(created_at__gte=_day_start(created_from))
    if created_to and created_to < dt.date.max:
        qs = qs.filter(created_at__lt=_day_start(created_to + dt.timedelta(days=1)))
    return qs


def customer_get(pk: uuid.UUID | str) -> Customer:
    """The customer, or Customer.DoesNotExist."""
    return Customer.objects.get(pk=pk)


def customer_tags() -> list[str]:
    """Every tag the tenant's customers carry, sorted (one query)."""
    tags = (
        Customer.objects.annotate(tag=Func(F("tags"), function="unnest"))
        .values_list("tag", flat=True)
        .distinct()
        .order_by("tag")
    )
    return [str(tag) for tag in tags]


# How many matches the search box sorts. Matching without an order lets PostgreSQL use the
# trigram indexes; ordering every match by name would walk the name index past all
# 20,000 rows when few match (docs/performance.md, "Search box").
SEARCH_POOL = 200


def customer_search(query: str, limit: int) -> list[Customer]:
    """The panel's search box: at most `limit` customers matching `query`, by name (the
    first by name among the first SEARCH_POOL matches found; typing more narrows it)."""
    pool = customer_list(search=query).order_by().values("pk")[:SEARCH_POOL]
    return list(Customer.objects.filter(pk__in=pool).order_by("name", "id")[:limit])


def timeline(customer: Customer) -> QuerySet[TimelineEntry]:
    return customer.timeline.select_related("event").order_by("-occurred_at", "-id")


def timeline_latest(customer: Customer, count: int) -> tuple[list[TimelineEntry], bool]:
    """The newest `count` entries, and whether there are older ones (one query)."""
    entries = list(timeline(customer)[: count + 1])
    return entries[:count], len(entries) > count
