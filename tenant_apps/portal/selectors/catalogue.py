"""Reads of the portal's ordering: the active catalogue, its unit prices, the customer's
own orders (another customer's order is simply not in the queryset: 404)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from tenant_apps.customers.models import Customer
from tenant_apps.products.models import Product
from tenant_apps.sales.models import Order
from tenant_apps.sales.services.lines import Amounts, line_amounts

PAGE_SIZE = 20
SEARCH_MAX = 100


def catalogue(search: str = "") -> QuerySet[Product]:
    """The products a customer may order (active only), by name; `search` matches a part
    of the name or of the code (SKU)."""
    products = Product.objects.filter(is_active=True)
    search = search.strip()[:SEARCH_MAX]
    if search:
        products = products.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return products.order_by("name", "code")


def products_by_id(ids: Iterable[uuid.UUID | str]) -> dict[uuid.UUID, Product]:
    """The products of a cart whatever their state (the cart names the ones no longer
    sold), in one query; ids that are no UUID are nobody's."""
    wanted: set[uuid.UUID] = set()
    for raw in ids:
        try:
            wanted.add(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except ValueError:
            continue
    return Product.objects.in_bulk(wanted) if wanted else {}


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    product: Product
    net: Decimal
    gross: Decimal


def unit_prices(product: Product) -> Amounts:
    """One unit's net, VAT and gross price by the services' own rounding (what a line of
    quantity 1 would store)."""
    return line_amounts(
        quantity=Decimal(1),
        unit_price=product.price,
        discount=Decimal(0),
        vat_rate=product.vat_rate,
    )


def catalogue_rows(products: Iterable[Product]) -> list[CatalogueRow]:
    rows = []
    for product in products:
        prices = unit_prices(product)
        rows.append(CatalogueRow(product=product, net=prices.net, gross=prices.gross))
    return rows


def customer_orders(customer: Customer) -> QuerySet[Order]:
    """The customer's own orders: the only ones a portal reorder may name."""
    return Order.objects.filter(customer=customer)
