"""The large size's stock: levels, reservations and the ledger, copied.

Each product's default-warehouse level gets an opening delivery before the 90 days and
deliveries during them (enough, for most products, for what their orders take; a few run
short), plus one reservation per order line; about 40 % of the products are also kept in
the second warehouse, with deliveries and stocktake adjustments. Every level's operations
are then replayed in time order with the services' rules (seeding/ledger.py), as if the
stock handlers had run when each order event happened: reserve on creation, release on
cancellation, top up and take out on shipment. The number of deliveries is chosen so the
ledger reaches the size asked for (~1,000,000 movements for the full large size).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_FLOOR, Decimal

from tenant_apps.sales.models import Order
from tenant_apps.stock.models import StockLevel, StockMovement, StockReservation, Warehouse

from . import ledger
from .bulk import SECOND, Bulk, copy_rows
from .catalogue import ProductSpec
from .plans import OrderPlan

S = Order.Status
QTY = Decimal("0.001")
# Movements an order line makes on average (a reservation, a shipment or a release).
_PER_LINE = 1.9


def _at(plan: OrderPlan, status: str) -> dt.datetime | None:
    return next((at for to, at in plan.steps if to == status), None)


def _reservation(bulk: Bulk, index: int, position: int, level: ledger.Level | None,
                 ) -> ledger.Reservation:  # fmt: skip
    plan = bulk.story.orders[index]
    line = plan.lines[position]
    assert line.product is not None
    return ledger.Reservation(
        id=bulk.new_id(), order_id=bulk.order_ids[index],
        line_id=bulk.line_ids[index][position], product_id=bulk.product_ids[line.product],
        level_id=level.id if level else None, wanted=line.quantity,
        reference=bulk.order_numbers[index], created_at=plan.created_at + SECOND,
    )  # fmt: skip


def _receipts(bulk: Bulk, level: ledger.Level, spec: ProductSpec, total: Decimal,
              count: int) -> None:  # fmt: skip
    """An opening delivery before the window (a third), the rest in `count - 1`
    deliveries spread over it; whole numbers for what is not sold in fractions."""
    rng, story, actor = bulk.rng, bulk.story, bulk.staff.actor(0)
    span = (story.now - story.start).total_seconds()
    total = max(total, Decimal(spec.quantity[1]))
    step = QTY if spec.fractional else Decimal(1)
    opening = (total / 3).quantize(step, rounding=ROUND_FLOOR) + step
    rest = total - opening
    count = max(0, count - 1)
    if not spec.fractional:
        count = min(count, int(rest))
    each = (rest / count).quantize(step, rounding=ROUND_FLOOR) if count else Decimal(0)
    before = story.start - dt.timedelta(days=rng.uniform(1, 5))
    level.ops.append(ledger.Op(before, ledger.RECEIPT, actor, quantity=opening.quantize(QTY),
                               text=f"PZ/{rng.randrange(1, 99999):05d}/{before.year}"))  # fmt: skip
    if each <= 0:
        return
    for _n in range(count):
        at = story.start + dt.timedelta(seconds=rng.uniform(0, span))
        level.ops.append(ledger.Op(at, ledger.RECEIPT, actor, quantity=each.quantize(QTY),
                                   text=f"PZ/{rng.randrange(1, 99999):05d}/{at.year}"))  # fmt: skip


def _adjustments(bulk: Bulk, level: ledger.Level, count: int) -> None:
    rng, story = bulk.rng, bulk.story
    span = (story.now - story.start).total_seconds()
    for _n in range(count):
        at = story.start + dt.timedelta(seconds=rng.uniform(0, span))
        change = Decimal(rng.choice((-3, -2, -1, 1, 2))).quantize(QTY)
        level.ops.append(ledger.Op(at, ledger.ADJUST, bulk.staff.actor(0), quantity=change,
                                   text="Inwentaryzacja"))  # fmt: skip


def _order_ops(bulk: Bulk, level: ledger.Level, index: int, res: ledger.Reservation) -> None:
    """What the stock handlers did for one line: reserve, then release or take out."""
    plan = bulk.story.orders[index]
    movers = dict(zip((status for status, _at in plan.steps), bulk.movers(plan), strict=True))
    level.ops.append(ledger.Op(res.created_at, ledger.RESERVE, bulk.creator(plan),
                               reservation=res))  # fmt: skip
    for status, step in ((S.CANCELLED, ledger.RELEASE), (S.SHIPPED, ledger.SHIP)):
        at = _at(plan, status)
        if at is not None:
            level.ops.append(ledger.Op(at + SECOND, step, movers[status], reservation=res))


def write_stock(bulk: Bulk, *, main: Warehouse, second: Warehouse) -> None:
    story, rng = bulk.story, bulk.rng
    by_product: dict[int, list[tuple[int, int]]] = {}
    for index, plan in enumerate(story.orders):
        for position, line in enumerate(plan.lines):
            if line.product is not None:
                by_product.setdefault(line.product, []).append((index, position))
    stocked = [p for p, spec in enumerate(bulk.product_specs) if spec.stocked]
    stocked_lines = sum(len(by_product.get(p, ())) for p in stocked)
    receipts = max(len(stocked), bulk.movements - round(stocked_lines * _PER_LINE))
    doubles = {p for p in stocked if second.pk != main.pk and rng.random() < 0.4}
    main_share = 0.85 * receipts
    second_each = max(1, round(0.15 * receipts / max(1, len(doubles))))
    reservations: list[ledger.Reservation] = []
    levels: list[tuple[object, ...]] = []
    written = 0
    with copy_rows(StockMovement, ledger.MOVEMENT_COLUMNS) as write:
        for product, spec in enumerate(bulk.product_specs):
            lines = by_product.get(product, [])
            created = story.products_created[product]
            if not spec.stocked:
                # No level in the default warehouse: every such line is backordered.
                for index, position in lines:
                    res = _reservation(bulk, index, position, None)
                    plan = story.orders[index]
                    ledger.unstocked(res, cancelled_at=_at(plan, S.CANCELLED),
                                     shipped_at=_at(plan, S.SHIPPED))  # fmt: skip
                    reservations.append(res)
                continue
            level, wanted = ledger.Level(id=bulk.new_id()), Decimal(0)
            for index, position in lines:
                res = _reservation(bulk, index, position, level)
                _order_ops(bulk, level, index, res)
                reservations.append(res)
                if story.orders[index].status != S.CANCELLED:
                    wanted += res.wanted
            count = 1 + round(main_share * len(lines) / max(1, stocked_lines))
            factor = Decimal(str(round(rng.uniform(0.85, 1.3), 2)))
            _receipts(bulk, level, spec, wanted * factor, count)
            written += ledger.replay(level, write, bulk.new_id)
            threshold = (wanted * Decimal("0.1")).quantize(QTY)
            levels.append((level.id, bulk.product_ids[product], main.pk, level.on_hand,
                           level.reserved, threshold, created, story.now))  # fmt: skip
            if product in doubles:
                other = ledger.Level(id=bulk.new_id())
                _receipts(bulk, other, spec, wanted * Decimal("0.3"), second_each)
                _adjustments(bulk, other, max(1, second_each // 10))
                written += ledger.replay(other, write, bulk.new_id)
                levels.append((other.id, bulk.product_ids[product], second.pk, other.on_hand,
                               other.reserved, Decimal(0), created, story.now))  # fmt: skip
    columns = (
        "id product_id warehouse_id on_hand reserved low_stock_threshold created_at updated_at"
    )
    with copy_rows(StockLevel, columns) as write_level:
        for row in levels:
            write_level(row)
    with copy_rows(StockReservation, ledger.RESERVATION_COLUMNS) as write_reservation:
        for res in reservations:
            write_reservation(res.row())
    bulk.counts["stock movements"] = written
    bulk.done(f"{len(levels)} stock levels, {len(reservations)} reservations, "
              f"{written} movements")  # fmt: skip
