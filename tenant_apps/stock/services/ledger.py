"""The ledger of one operation: lock the levels, record each change, announce it once.

Every change of a level writes a ledger row (`StockMovement`) and, once per level and
operation, `stock.updated`; `stock.low` is sent when the operation takes available stock
from at or above the level's threshold to below it (once per downward crossing).

Locking (docs/stock.md, "Locking"): every write that changes levels locks them with
`select_for_update()` in ONE statement ordered by primary key, so two operations touching the
same levels always queue in the same order and never deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from dockpulse import events
from dockpulse.actors import Actor
from tenant_apps.products.models import Product
from tenant_apps.sales.models import Order
from tenant_apps.stock.models import ZERO, StockLevel, StockMovement, StockReservation, Warehouse

from .common import decimal_text, recorded_name


def level_payload(level: StockLevel) -> dict[str, Any]:
    return {
        "product_id": str(level.product_id),
        "product_code": level.product.code,
        "product_name": level.product.name,
        "unit": level.product.unit,
        "warehouse_id": str(level.warehouse_id),
        "warehouse_code": level.warehouse.code,
        "on_hand": decimal_text(level.on_hand),
        "reserved": decimal_text(level.reserved),
        "available": decimal_text(level.available),
        "low_stock_threshold": decimal_text(level.low_stock_threshold),
    }


def emit_level(event_type: str, level: StockLevel, actor: Actor, **payload: Any) -> None:
    events.emit(
        event_type=event_type,
        source_module="stock",
        entity_type="stock_level",
        entity_id=level.pk,
        payload=payload,
        actor=actor,
    )


@dataclass
class Ledger:
    """Collects one operation's level changes: written and announced together by `write()`."""

    actor: Actor
    reason: str
    reference: str = ""
    order: Order | None = None
    levels: dict[uuid.UUID, StockLevel] = field(default_factory=dict)
    before: dict[uuid.UUID, tuple[Decimal, Decimal]] = field(default_factory=dict)
    movements: list[StockMovement] = field(default_factory=list)

    def track(self, levels: Iterable[StockLevel]) -> None:
        for level in levels:
            self.levels[level.pk] = level
            self.before[level.pk] = (level.on_hand, level.reserved)

    def move(
        self,
        level: StockLevel,
        kind: str,
        *,
        on_hand: Decimal = ZERO,
        reserved: Decimal = ZERO,
        reservation: StockReservation | None = None,
    ) -> StockMovement:
        assert level.pk in self.levels, "levels change only while locked"
        level.on_hand += on_hand
        level.reserved += reserved
        movement = StockMovement(
            stock_level=level, kind=kind, on_hand_change=on_hand, reserved_change=reserved,
            on_hand_after=level.on_hand, reserved_after=level.reserved, reason=self.reason,
            reference=self.reference, order=self.order, reservation=reservation,
            actor_id=self.actor.id, actor_type=self.actor.kind,
            actor_name=recorded_name(self.actor),
        )  # fmt: skip
        self.movements.append(movement)
        return movement

    def write(self) -> list[StockLevel]:
        changed = [
            level
            for pk, level in sorted(self.levels.items())
            if (level.on_hand, level.reserved) != self.before[pk]
        ]
        now = timezone.now()
        for level in changed:
            level.updated_at = now
        if changed:
            StockLevel.objects.bulk_update(changed, ["on_hand", "reserved", "updated_at"])
        StockMovement.objects.bulk_create(self.movements)
        for level in changed:
            on_hand, reserved = self.before[level.pk]
            kinds = sorted({m.kind for m in self.movements if m.stock_level_id == level.pk})
            extra = {"kinds": kinds, "reason": self.reason, "reference": self.reference,
                     "order_id": str(self.order.pk) if self.order else None}  # fmt: skip
            emit_level("stock.updated", level, self.actor, **level_payload(level), **extra)
            threshold = level.low_stock_threshold
            if on_hand - reserved >= threshold > level.available:
                emit_level("stock.low", level, self.actor, **level_payload(level), **extra)
        return changed


def lock_levels(
    *,
    ids: Iterable[uuid.UUID] = (),
    warehouse: Warehouse | None = None,
    products: Iterable[uuid.UUID] = (),
) -> list[StockLevel]:
    """Lock the given levels and the warehouse's levels of `products`, all at once, by pk.

    One statement sorted by primary key: concurrent operations on overlapping levels queue
    in the same order (no deadlock whatever the order of their lines). `of=("self",)`
    keeps the lock off the joined product and warehouse rows.
    """
    wanted = Q(pk__in=list(ids))
    product_ids = list(products)
    if warehouse is not None and product_ids:
        wanted |= Q(warehouse=warehouse, product_id__in=product_ids)
    return list(
        StockLevel.objects.select_for_update(of=("self",))
        .select_related("product", "warehouse")
        .filter(wanted)
        .order_by("pk")
    )


def level_for_update(product: Product, warehouse: Warehouse, *, create: bool) -> StockLevel:
    if create:
        # ON CONFLICT DO NOTHING: a concurrent first receipt of the same pair is harmless.
        StockLevel.objects.bulk_create(
            [StockLevel(product=product, warehouse=warehouse)], ignore_conflicts=True
        )
    levels = lock_levels(warehouse=warehouse, products=[product.pk])
    if not levels:
        return StockLevel(product=product, warehouse=warehouse)  # unsaved: nothing on hand
    return levels[0]
