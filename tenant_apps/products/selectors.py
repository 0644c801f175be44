from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from .models import Product

SEARCH_POOL = 200  # see customers.selectors.SEARCH_POOL


def product_list(
    *,
    search: str = "",
    category: str = "",
    unit: str = "",
    active: bool | None = None,
    vat_rate: str = "",
) -> QuerySet[Product]:
    qs = Product.objects.order_by("code")
    if search:
        qs = qs.filter(
            Q(code__icontains=search) | Q(name__icontains=search) | Q(category__icontains=search)
        )
    if category:
        qs = qs.filter(category=category)
    if unit:
        qs = qs.filter(unit=unit)
    if active is not None:
        qs = qs.filter(is_active=active)
    if vat_rate:
        qs = qs.filter(vat_rate=vat_rate)
    return qs


def product_get(pk: uuid.UUID | str) -> Product:
    """The product, or Product.DoesNotExist."""
    return Product.objects.get(pk=pk)


def product_categories() -> list[str]:
    """The categories the tenant's products are in, sorted (one query)."""
    categories = (
        Product.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )
    return list(categories)


def product_search(query: str, limit: int) -> list[Product]:
    """The panel's search box: at most `limit` products whose code or name matches."""
    condition = Q(code__icontains=query) | Q(name__icontains=query)
    # Unordered first, so the trigram indexes answer (see customers.selectors.SEARCH_POOL).
    pool = Product.objects.filter(condition).values("pk")[:SEARCH_POOL]
    return list(Product.objects.filter(pk__in=pool).order_by("code")[:limit])
