"""The catalogue."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from tenant_apps.products.models import Product, Unit, VatRate


class ProductFactory(DjangoModelFactory[Product]):
    """A product row, written directly (no `entity.created` event)."""

    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"F-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Product {o.code}")
    price = Decimal("10.00")
    unit = Unit.PIECE
    vat_rate = VatRate.STANDARD
    metadata = factory.LazyFunction(dict)
