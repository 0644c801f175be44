"""The large size's stock ledger, computed as the stock services would have written it.

For each level, its operations are replayed in time order with the services' rules
(tenant_apps/stock/services/reservations.py): a new order's line takes what is available
from the default warehouse and backorders the rest; a cancelled order gives its reserved
quantity back; a shipped order first tops its backordered remainder up from what arrived
since, then takes the reserved quantity out of stock (on hand and reserved both fall);
receipts add to on hand; a stocktake adjustment never takes on hand below zero or below
what orders hold. Each change is a movement row with the level's numbers after it, so the
books balance by construction: a level's on_hand and reserved are the sums of its
movements, and its reserved is the sum of its active reservations.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from dockpulse.actors import Actor
from tenant_apps.stock.models import StockMovement, StockReservation

ZERO = Decimal("0.000")
Kind = StockMovement.Kind
Status = StockReservation.Status
# Order of operations at the same moment: goods in before goods out.
RECEIPT, ADJUST, RESERVE, RELEASE, SHIP = range(5)


@dataclass(slots=True)
class Reservation:
    id: uuid.UUID
    order_id: uuid.UUID
    line_id: uuid.UUID
    product_id: uuid.UUID
    level_id: uuid.UUID | None
    wanted: Decimal
    reference: str  # the order's number
    created_at: dt.datetime
    quantity: Decimal = ZERO
    backordered: Decimal = ZERO
    status: str = Status.ACTIVE
    updated_at: dt.datetime | None = None

    def row(self) -> tuple[object, ...]:
        return (self.id, self.order_id, self.line_id, self.product_id, self.level_id,
                self.quantity, self.backordered, self.status, self.created_at,
                self.updated_at or self.created_at)  # fmt: skip


RESERVATION_COLUMNS = ("id order_id order_line_id product_id stock_level_id quantity"
                       " backordered status created_at updated_at")  # fmt: skip
MOVEMENT_COLUMNS = ("id stock_level_id kind on_hand_change reserved_change on_hand_after"
                    " reserved_after reason reference order_id reservation_id actor_id"
                    " actor_type actor_name created_at")  # fmt: skip


@dataclass(slots=True)
class Op:
    at: dt.datetime
    step: int
    actor: Actor
    quantity: Decimal = ZERO  # receipts and adjustments
    text: str = ""  # a receipt's reference, an adjustment's reason
    reservation: Reservation | None = None


@dataclass
class Level:
    id: uuid.UUID
    ops: list[Op] = field(default_factory=list)
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO


def _name(actor: Actor) -> str:
    return "" if actor.is_system else actor.label


def replay(
    level: Level, write: Callable[[tuple[object, ...]], None], new_id: Callable[[], uuid.UUID]
) -> int:
    """Apply the level's operations in time order, writing one movement row per change;
    returns how many were written (the level's numbers are left on it)."""
    written = 0

    def move(
        op: Op, kind: str, on_hand: Decimal, reserved: Decimal, reason: str, reference: str
    ) -> None:
        nonlocal written
        level.on_hand += on_hand
        level.reserved += reserved
        res = op.reservation
        actor_id, actor_type, actor_name = op.actor.id, op.actor.kind, _name(op.actor)
        write((new_id(), level.id, kind, on_hand, reserved, level.on_hand, level.reserved,
               reason, reference, res.order_id if res else None, res.id if res else None,
               actor_id, actor_type, actor_name, op.at))  # fmt: skip
        written += 1

    for op in sorted(level.ops, key=lambda o: (o.at, o.step)):
        res = op.reservation
        available = level.on_hand - level.reserved
        if op.step == RECEIPT:
            move(op, Kind.RECEIPT, op.quantity, ZERO, "Dostawa od dostawcy", op.text)
        elif op.step == ADJUST:
            change = op.quantity if op.quantity > 0 else -min(-op.quantity, available)
            if change != 0:
                move(op, Kind.ADJUSTMENT, change, ZERO, op.text, "")
        elif res is None:
            continue
        elif op.step == RESERVE:
            take = max(ZERO, min(res.wanted, available))
            res.quantity, res.backordered = take, res.wanted - take
            if take > 0:
                move(op, Kind.RESERVATION, ZERO, take, "order.created", res.reference)
        elif op.step == RELEASE:
            if res.status == Status.ACTIVE and res.quantity > 0:
                move(op, Kind.RELEASE, ZERO, -res.quantity, "order.cancelled", res.reference)
            res.status, res.updated_at = Status.RELEASED, op.at
        elif op.step == SHIP and res.status == Status.ACTIVE:
            take = max(ZERO, min(res.backordered, available))
            if take > 0:
                res.quantity += take
                res.backordered -= take
                move(op, Kind.RESERVATION, ZERO, take, "order.shipped", res.reference)
            if res.quantity > 0:
                move(
                    op, Kind.SHIPMENT, -res.quantity, -res.quantity, "order.shipped", res.reference
                )
            res.status, res.updated_at = Status.CONSUMED, op.at
    return written


def unstocked(
    res: Reservation, *, cancelled_at: dt.datetime | None, shipped_at: dt.datetime | None
) -> None:
    """A line of a product with no level in the default warehouse: all backordered."""
    res.quantity, res.backordered = ZERO, res.wanted
    if cancelled_at is not None:
        res.status, res.updated_at = Status.RELEASED, cancelled_at
    elif shipped_at is not None:
        res.status, res.updated_at = Status.CONSUMED, shipped_at
