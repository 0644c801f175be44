"""Warehouses, levels and the ledger.

A level's on_hand and reserved are the sums of its movements (the ledger refuses UPDATE
and DELETE), so stock arrives only through the stock service: StockMovementFactory is a
receipt made by `stock_receive`, which also makes the level. Reservations are the stock
handler's (`tests.support.handle`), not a factory's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from dockpulse.actors import SYSTEM
from tenant_apps.stock import services
from tenant_apps.stock.inputs import clean_operation
from tenant_apps.stock.models import StockLevel, StockMovement, Warehouse
from tests.factories.products import ProductFactory


class WarehouseFactory(DjangoModelFactory[Warehouse]):
    """A second (not default) warehouse; the default one is `warehouse_default()`'s."""

    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"W{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Warehouse {o.code}")
    address = ""
    is_default = False
    is_active = True


class StockLevelFactory(DjangoModelFactory[StockLevel]):
    """An empty level (in the default warehouse unless told) with a low-stock threshold."""

    class Meta:
        model = StockLevel

    product = factory.SubFactory(ProductFactory)
    warehouse = factory.LazyFunction(lambda: services.warehouse_default())
    low_stock_threshold = Decimal("0")


class StockMovementFactory(DjangoModelFactory[StockMovement]):
    """A receipt of `quantity` of `product` through the stock service."""

    class Meta:
        model = StockMovement

    product = factory.SubFactory(ProductFactory)
    quantity = "10"
    reason = "delivery"
    warehouse = None
    reference = ""
    actor = None

    @classmethod
    def _create(cls, model_class: type[StockMovement], *args: Any, **kwargs: Any) -> StockMovement:
        op = clean_operation(**{k: v for k, v in kwargs.items() if k != "actor"}, signed=False)
        return services.stock_receive(
            product=op.product, warehouse=op.warehouse, quantity=op.quantity, reason=op.reason,
            reference=op.reference, actor=kwargs.get("actor") or SYSTEM,
        )  # fmt: skip

    @classmethod
    def _build(cls, model_class: type[StockMovement], *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a movement is made by the stock service: create it, don't build it")
