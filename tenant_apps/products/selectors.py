from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Product


def product_list(
    *, search: str = "", category: str = "", unit: str = "", active: bool | None = None
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
    return qs
