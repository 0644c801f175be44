"""An order's reservations: reserve on creation, release on cancel, consume on shipment.

Order-driven writes first lock the order's row (the same lock its state changes take),
which makes them idempotent: whoever holds the order lock sees the reservations the
previous holder wrote, and never acts on an order whose state changed under it. Lock order
is always order row, then levels. The CHECK constraints (0 <= reserved <= on_hand) are the
last line of defence; the rules below never rely on them.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.utils import timezone

from dockpulse import events
from dockpulse.actors import Actor
from dockpulse.tenancy import tenant_atomic
from tenant_apps.products.models import Product
from tenant_apps.sales.models import Order, OrderLine
from tenant_apps.stock.models import ZERO, StockLevel, StockMovement, StockReservation, Warehouse

from .common import decimal_text, stock_enabled
from .ledger import Ledger, lock_levels
from .warehouses import warehouse_default

logger = logging.getLogger(__name__)

S = Order.Status
# Orders that may take stock when their creation (or a change of lines) is handled.
RESERVABLE = frozenset({S.NEW, S.CONFIRMED, S.IN_PROGRESS})
SHIPPED = frozenset({S.SHIPPED, S.DELIVERED})

Kind = StockMovement.Kind
Status = StockReservation.Status


def _stockable(line: OrderLine | None, product: Product) -> bool:
    """Stock is kept in the product's unit; a line sold in another unit is not taken from it."""
    return line is not None and line.unit == product.unit


@dataclass
class _OrderWork:
    order: Order
    ledger: Ledger
    default: Warehouse | None
    by_id: dict[uuid.UUID, StockLevel]
    by_product: dict[uuid.UUID, StockLevel]  # the default warehouse's levels
    new: list[StockReservation] = field(default_factory=list)
    changed: dict[uuid.UUID, StockReservation] = field(default_factory=dict)
    grown: dict[uuid.UUID, StockReservation] = field(default_factory=dict)

    def level_of(self, reservation: StockReservation) -> StockLevel | None:
        if reservation.stock_level_id is not None:
            return self.by_id.get(reservation.stock_level_id)
        return self.by_product.get(reservation.product_id)

    def reserve_line(self, line: OrderLine) -> None:
        assert line.product is not None
        level = self.by_product.get(line.product.pk)
        take = ZERO
        if level is not None and _stockable(line, line.product):
            take = max(ZERO, min(line.quantity, level.available))
        reservation = StockReservation(
            order=self.order, order_line=line, product=line.product, stock_level=level,
            quantity=take, backordered=line.quantity - take, status=Status.ACTIVE,
        )  # fmt: skip
        self.new.append(reservation)
        self.grown[reservation.pk] = reservation
        if take > 0:
            assert level is not None
            self.ledger.move(level, Kind.RESERVATION, reserved=take, reservation=reservation)

    def top_up(self, reservation: StockReservation) -> None:
        """Take what has arrived since for a backordered remainder."""
        level = self.level_of(reservation)
        if level is None or reservation.backordered <= 0:
            return
        if not _stockable(reservation.order_line, level.product):
            return
        take = max(ZERO, min(reservation.backordered, level.available))
        if take <= 0:
            return
        reservation.stock_level = level
        reservation.quantity += take
        reservation.backordered -= take
        self.changed[reservation.pk] = self.grown[reservation.pk] = reservation
        self.ledger.move(level, Kind.RESERVATION, reserved=take, reservation=reservation)

    def release(self, reservation: StockReservation) -> None:
        if reservation.quantity > 0:
            level = self.by_id[reservation.stock_level_id]  # type: ignore[index]
            self.ledger.move(
                level, Kind.RELEASE, reserved=-reservation.quantity, reservation=reservation
            )
        reservation.status = Status.RELEASED
        self.changed[reservation.pk] = reservation

    def consume(self, reservation: StockReservation) -> None:
        if reservation.quantity > 0:
            level = self.by_id[reservation.stock_level_id]  # type: ignore[index]
            self.ledger.move(
                level,
                Kind.SHIPMENT,
                on_hand=-reservation.quantity,
                reserved=-reservation.quantity,
                reservation=reservation,
            )
        reservation.status = Status.CONSUMED
        self.changed[reservation.pk] = reservation

    def write(self) -> None:
        updates = [r for r in self.changed.values() if not r._state.adding]
        StockReservation.objects.bulk_create(self.new)
        now = timezone.now()
        for reservation in updates:
            reservation.updated_at = now
        if updates:
            StockReservation.objects.bulk_update(
                updates, ["stock_level", "quantity", "backordered", "status", "updated_at"]
            )
        self.ledger.write()
        if self.grown:
            events.emit(
                event_type="stock.reserved",
                source_module="stock",
                entity_type="order",
                entity_id=self.order.pk,
                payload={
                    "number": self.order.number,
                    "warehouse_id": str(self.default.pk) if self.default else None,
                    "fully_reserved": all(r.backordered == 0 for r in self.grown.values()),
                    "items": [
                        {
                            "line_id": str(r.order_line_id) if r.order_line_id else None,
                            "product_id": str(r.product_id),
                            "reserved": decimal_text(r.quantity),
                            "backordered": decimal_text(r.backordered),
                        }
                        for r in self.grown.values()
                    ],
                },
                actor=self.ledger.actor,
            )


def _order_work(
    order: Order,
    *,
    actor: Actor,
    reason: str,
    reserve_lines: bool,
    active: list[StockReservation],
    top_up: bool = False,
) -> tuple[_OrderWork, list[OrderLine]]:
    """Load what the operation needs and lock every level it may touch, in one statement."""
    lines: list[OrderLine] = []
    if reserve_lines:
        lines = list(
            OrderLine.objects.filter(
                order=order, product__isnull=False, stock_reservation__isnull=True
            )
            .select_related("product")
            .order_by("position")
        )
    from_default = {line.product_id for line in lines if line.product_id}
    if top_up:
        from_default |= {
            r.product_id for r in active if r.stock_level_id is None and r.backordered > 0
        }
    default = warehouse_default() if from_default else None
    levels = lock_levels(
        ids={r.stock_level_id for r in active if r.stock_level_id},
        warehouse=default,
        products=from_default,
    )
    ledger = Ledger(actor=actor, reason=reason, reference=order.number, order=order)
    ledger.track(levels)
    work = _OrderWork(
        order=order,
        ledger=ledger,
        default=default,
        by_id={level.pk: level for level in levels},
        by_product={
            level.product_id: level
            for level in levels
            if default is not None and level.warehouse_id == default.pk
        },
    )
    return work, lines


def _lock_order(order_id: uuid.UUID | str) -> Order | None:
    """The order's row lock serialises every stock operation of one order (idempotence)."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        logger.warning("stock: order %s does not exist; nothing to do", order_id)
    return order


def _active(order: Order) -> list[StockReservation]:
    return list(
        StockReservation.objects.filter(order=order, status=Status.ACTIVE)
        .select_related("order_line", "product")
        .order_by("pk")
    )


def stock_reserve_order(
    *, order_id: uuid.UUID | str, actor: Actor, reason: str = "order.created"
) -> list[StockReservation]:
    """Reserve the order's lines from the default warehouse; idempotent.

    Under the order's lock: lines that already have a reservation are left alone, lines
    replaced since (their reservation lost its line) are released, and each new line takes
    what is available, the rest backordered. Nothing happens when the stock module is off
    or the order is no longer open (cancelled or shipped first: those handlers rule).
    Returns the reservations made now.
    """
    if not stock_enabled():
        return []
    with tenant_atomic():
        order = _lock_order(order_id)
        if order is None or order.status not in RESERVABLE:
            return []
        active = _active(order)
        orphans = [r for r in active if r.order_line_id is None]
        work, lines = _order_work(
            order, actor=actor, reason=reason, reserve_lines=True, active=orphans
        )
        for reservation in orphans:
            work.release(reservation)
        for line in lines:
            work.reserve_line(line)
        work.write()
    return work.new


def stock_release_order(
    *, order_id: uuid.UUID | str, actor: Actor, reason: str = "order.cancelled"
) -> list[StockReservation]:
    """A cancelled order gives its reserved stock back; idempotent (only active rows)."""
    if not stock_enabled():
        return []
    with tenant_atomic():
        order = _lock_order(order_id)
        if order is None or order.status != S.CANCELLED:
            return []
        active = _active(order)
        work, _lines = _order_work(
            order, actor=actor, reason=reason, reserve_lines=False, active=active
        )
        for reservation in active:
            work.release(reservation)
        work.write()
    return active


def stock_consume_order(
    *, order_id: uuid.UUID | str, actor: Actor, reason: str = "order.shipped"
) -> list[StockReservation]:
    """A shipped order takes its goods out of stock: on_hand and reserved both fall.

    Lines not reserved yet (their `order.created` not handled so far) are reserved first,
    backordered remainders take what has arrived since, and reservations whose line was
    replaced are released. What is still backordered then is not taken (there is no
    recorded stock for it); it stays on the reservation row. Idempotent.
    """
    if not stock_enabled():
        return []
    with tenant_atomic():
        order = _lock_order(order_id)
        if order is None or order.status not in SHIPPED:
            return []
        active = _active(order)
        work, lines = _order_work(
            order, actor=actor, reason=reason, reserve_lines=True, active=active, top_up=True
        )
        for reservation in active:
            if reservation.order_line_id is None:
                work.release(reservation)
            else:
                work.top_up(reservation)
        for line in lines:
            work.reserve_line(line)
        consumed = [r for r in [*active, *work.new] if r.status == Status.ACTIVE]
        for reservation in consumed:
            work.consume(reservation)
        work.write()
    return consumed
