from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Customer, TimelineEntry


def customer_list(*, search: str = "", tag: str = "") -> QuerySet[Customer]:
    """Search over name, company, phone, NIP and e-mail; filter by tag."""
    qs = Customer.objects.order_by("name", "id")
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        condition = (
            Q(name__icontains=search)
            | Q(company_name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search)
        )
        if digits:
            condition |= Q(phone__contains=digits) | Q(nip__contains=digits)
        qs = qs.filter(condition)
    if tag:
        qs = qs.filter(tags__contains=[tag])
    return qs


def timeline(customer: Customer) -> QuerySet[TimelineEntry]:
    return customer.timeline.select_related("event").order_by("-occurred_at", "-id")
