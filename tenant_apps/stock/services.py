"""Writes of stock: warehouses, receipts and adjustments, and the order's reservations.

Locking (DESIGN section 7, docs/stock.md): every write that changes levels locks them with
`select_for_update()` in ONE statement ordered by primary key, so two operations touching the
same levels always queue in the same order and never deadlock. Order-driven writes first
lock the order's row, which makes them idempotent: whoever holds the order lock sees the
reservations the previous holder wrote. The CHECK constraints (0 <= reserved <= on_hand)
are the last line of defence; the rules below never rely on them.

Every change of a level writes a ledger row (`StockMovement`) and, once per level and
operation, `stock.updated`; `stock.low` is sent when the operation takes available stock
from at or above the level's threshold to below it (once per downward crossing).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.errors import StateConflict
from dockpulse.tenancy import get_current_tenant, tenant_atomic
from tenant_apps.configuration.selectors import module_enabled
from tenant_apps.products.models import Product
from tenant_apps.products.services import MAX_QUANTITY as PRODUCT_MAX_QUANTITY
from tenant_apps.products.services import QUANTITY_STEP, parse_quantity
from tenant_apps.sales.models import Order, OrderLine
from tenant_apps.sales.services.common import actor_name, actor_type

from .models import ZERO, StockLevel, StockMovement, StockReservation, Warehouse

logger = logging.getLogger(__name__)

MODULE = "@stock"
MAX_QUANTITY = PRODUCT_MAX_QUANTITY
STEP = QUANTITY_STEP
S = Order.Status
# Orders that may take stock when their creation (or a change of lines) is handled.
RESERVABLE = frozenset({S.NEW, S.CONFIRMED, S.IN_PROGRESS})
SHIPPED = frozenset({S.SHIPPED, S.DELIVERED})
DEFAULT_WAREHOUSE_CODE = "MAIN"

Kind = StockMovement.Kind
Status = StockReservation.Status


def stock_enabled() -> bool:
    return module_enabled(MODULE)


# --- input -------------------------------------------------------------------------------


def parse_threshold(raw: Any) -> Decimal:
    """A low-stock threshold: zero (alerts off) or more, at most three places."""
    try:
        value = Decimal(str(raw).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError(_("Enter a quantity such as 2 or 1.5.")) from exc
    if isinstance(raw, bool) or not value.is_finite():
        raise ValidationError(_("Enter a quantity such as 2 or 1.5."))
    if value < 0:
        raise ValidationError(_("The threshold cannot be negative."))
    if value > MAX_QUANTITY or value != value.quantize(STEP):
        raise ValidationError(_("Enter a quantity with at most three decimal places."))
    return value.quantize(STEP)


def _uuid(raw: Any) -> uuid.UUID | None:
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def _product(raw: Any) -> Product:
    if isinstance(raw, Product):
        return raw
    pk = _uuid(raw)
    product = Product.objects.filter(pk=pk).first() if pk else None
    if product is None:
        raise ValidationError(_("There is no such product."))
    return product


def _warehouse(raw: Any) -> Warehouse:
    if raw in (None, ""):
        return warehouse_default()
    if isinstance(raw, Warehouse):
        warehouse: Warehouse | None = raw
    else:
        pk = _uuid(raw)
        warehouse = Warehouse.objects.filter(pk=pk).first() if pk else None
    if warehouse is None:
        raise ValidationError(_("There is no such warehouse."))
    if not warehouse.is_active:
        raise ValidationError(_("This warehouse is not active."))
    return warehouse


@dataclass(frozen=True, slots=True)
class Operation:
    product: Product
    warehouse: Warehouse
    quantity: Decimal
    reason: str
    reference: str


def clean_operation(
    *, product: Any, quantity: Any, reason: Any, warehouse: Any = None, reference: Any = "",
    signed: bool,
) -> Operation:  # fmt: skip
    """The input of a receipt (signed=False) or an adjustment; every bad field at once."""
    errors: dict[str, list[str]] = {}
    checks = (
        ("product", lambda: _product(product)),
        ("warehouse", lambda: _warehouse(warehouse)),
        ("quantity", lambda: parse_quantity(quantity, signed=signed)),
    )
    values: dict[str, Any] = {}
    for name, check in checks:
        if name == "product" and product in (None, ""):
            errors[name] = [_("This field is required.")]
            continue
        try:
            values[name] = check()
        except ValidationError as exc:
            errors[name] = exc.messages
    reason_text = str(reason or "").strip()
    # An adjustment changes stock with no goods moving, so its reason is the only record of
    # why; a receipt is explained by the goods (and its reference), so its reason is optional.
    if signed and not reason_text:
        errors["reason"] = [_("Give the reason for this change.")]
    elif len(reason_text) > 255:
        errors["reason"] = [_("Enter at most 255 characters.")]
    reference_text = str(reference or "").strip()
    if len(reference_text) > 100:
        errors["reference"] = [_("Enter at most 100 characters.")]
    if errors:
        raise ValidationError(errors)
    return Operation(reason=reason_text, reference=reference_text, **values)


# --- the ledger of one operation ---------------------------------------------------------


def _decimal_text(value: Decimal) -> str:
    return str(value.quantize(STEP))


def _level_payload(level: StockLevel) -> dict[str, Any]:
    return {
        "product_id": str(level.product_id),
        "product_code": level.product.code,
        "product_name": level.product.name,
        "unit": level.product.unit,
        "warehouse_id": str(level.warehouse_id),
        "warehouse_code": level.warehouse.code,
        "on_hand": _decimal_text(level.on_hand),
        "reserved": _decimal_text(level.reserved),
        "available": _decimal_text(level.available),
        "low_stock_threshold": _decimal_text(level.low_stock_threshold),
    }


@dataclass
class _Ledger:
    """Collects one operation's level changes: written and announced together by `write()`."""

    actor: Any
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
            actor_id=getattr(self.actor, "pk", None), actor_type=actor_type(self.actor),
            actor_name=actor_name(self.actor),
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
            _emit("stock.updated", level, self.actor, **_level_payload(level), **extra)
            threshold = level.low_stock_threshold
            if on_hand - reserved >= threshold > level.available:
                _emit("stock.low", level, self.actor, **_level_payload(level), **extra)
        return changed


def _emit(event_type: str, level: StockLevel, actor: Any, **payload: Any) -> None:
    events.emit(
        event_type=event_type,
        source_module="stock",
        entity_type="stock_level",
        entity_id=level.pk,
        payload=payload,
        actor=actor,
    )


def _lock_levels(
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


def _level_for_update(product: Product, warehouse: Warehouse, *, create: bool) -> StockLevel:
    if create:
        # ON CONFLICT DO NOTHING: a concurrent first receipt of the same pair is harmless.
        StockLevel.objects.bulk_create(
            [StockLevel(product=product, warehouse=warehouse)], ignore_conflicts=True
        )
    levels = _lock_levels(warehouse=warehouse, products=[product.pk])
    if not levels:
        return StockLevel(product=product, warehouse=warehouse)  # unsaved: nothing on hand
    return levels[0]


# --- warehouses --------------------------------------------------------------------------

WAREHOUSE_FIELDS = ("code", "name", "address", "is_default", "is_active")


def warehouse_default() -> Warehouse:
    """The tenant's default warehouse (reservations come from it), made on first need.

    Made lazily rather than by a migration: tenants are clones of the migrated template,
    so a migration's row would have the same UUID in every tenant. Race-safe: the partial
    unique index and ON CONFLICT DO NOTHING let concurrent first uses agree on one row.
    Named in the tenant's language (code MAIN; both can be changed).
    """
    found = Warehouse.objects.filter(is_default=True).first()
    if found is not None:
        return found
    with translation.override(get_current_tenant().language):
        name = _("Main warehouse")
    code = DEFAULT_WAREHOUSE_CODE
    for _attempt in range(3):
        if Warehouse.objects.filter(code=code).exists():
            code = f"{DEFAULT_WAREHOUSE_CODE}-{uuid.uuid4().hex[:6].upper()}"
        row = Warehouse(code=code, name=name, is_default=True)
        with tenant_atomic():
            Warehouse.objects.bulk_create([row], ignore_conflicts=True)
            if Warehouse.objects.filter(pk=row.pk).exists():
                events.emit(
                    event_type="entity.created",
                    source_module="stock",
                    entity_type="warehouse",
                    entity_id=row.pk,
                    payload={"code": row.code, "name": row.name, "is_default": True},
                )
        found = Warehouse.objects.filter(is_default=True).first()
        if found is not None:
            return found
        # The code was taken at the same moment by a warehouse that is not the default.
        code = f"{DEFAULT_WAREHOUSE_CODE}-{uuid.uuid4().hex[:6].upper()}"
    raise RuntimeError("could not make the default warehouse")


def clean_warehouse_input(data: dict[str, Any], *, instance: Warehouse | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {
        name: [_("Unknown field.")] for name in sorted(set(data) - set(WAREHOUSE_FIELDS))
    }
    cleaned: dict[str, Any] = {}
    if "code" in data:
        code = str(data["code"] or "").strip().upper()
        if not code:
            errors["code"] = [_("Enter the warehouse code.")]
        elif len(code) > 30:
            errors["code"] = [_("Enter at most 30 characters.")]
        else:
            clash = Warehouse.objects.filter(code__iexact=code)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["code"] = [_("Another warehouse has this code.")]
        cleaned["code"] = code
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            errors["name"] = [_("Enter the warehouse name.")]
        elif len(name) > 255:
            errors["name"] = [_("Enter at most 255 characters.")]
        cleaned["name"] = name
    if "address" in data:
        cleaned["address"] = str(data["address"] or "").strip()
    for flag in ("is_default", "is_active"):
        if flag in data:
            cleaned[flag] = bool(data[flag])
    is_default = cleaned.get("is_default", instance.is_default if instance else False)
    is_active = cleaned.get("is_active", instance.is_active if instance else True)
    if instance is not None and instance.is_default and cleaned.get("is_default") is False:
        errors["is_default"] = [_("Make another warehouse the default instead.")]
    if is_default and not is_active:
        errors["is_active"] = [_("The default warehouse cannot be inactive.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _lock_warehouses() -> dict[uuid.UUID, Warehouse]:
    """Every warehouse row, locked by pk: changes of the default queue behind each other."""
    return {w.pk: w for w in Warehouse.objects.select_for_update().order_by("pk")}


def _take_default(warehouse: Warehouse) -> None:
    """Make `warehouse` the only default (the caller holds `_lock_warehouses()`)."""
    Warehouse.objects.filter(is_default=True).exclude(pk=warehouse.pk).update(
        is_default=False, updated_at=timezone.now()
    )


def _warehouse_event(kind: str, warehouse: Warehouse, actor: Any, **extra: Any) -> None:
    events.emit(
        event_type=kind,
        source_module="stock",
        entity_type="warehouse",
        entity_id=warehouse.pk,
        payload={"code": warehouse.code, "name": warehouse.name,
                 "is_default": warehouse.is_default, **extra},
        actor=actor,
    )  # fmt: skip


def warehouse_create(*, data: dict[str, Any], actor: Any = None) -> Warehouse:
    missing = {n: [_("This field is required.")] for n in ("code", "name") if n not in data}
    if missing:
        raise ValidationError(missing)
    cleaned = clean_warehouse_input(data, instance=None)
    with tenant_atomic():
        warehouse_default()  # there is always a default to hand over from
        warehouse = Warehouse(**cleaned)
        if warehouse.is_default:
            _lock_warehouses()
            _take_default(warehouse)
        warehouse.save()
        _warehouse_event("entity.created", warehouse, actor)
    return warehouse


def warehouse_update(*, warehouse: Warehouse, data: dict[str, Any], actor: Any = None) -> Warehouse:
    with tenant_atomic():
        locked = _lock_warehouses().get(warehouse.pk)
        if locked is None:
            raise Warehouse.DoesNotExist
        cleaned = clean_warehouse_input(data, instance=locked)  # against the locked row
        changed = sorted(k for k, v in cleaned.items() if getattr(locked, k) != v)
        if not changed:
            return locked
        if cleaned.get("is_default"):
            _take_default(locked)
        for key in changed:
            setattr(locked, key, cleaned[key])
        locked.save()
        _warehouse_event("entity.updated", locked, actor, changed=changed)
    return locked


def warehouse_delete(*, warehouse: Warehouse, actor: Any = None) -> None:
    with tenant_atomic():
        locked = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        if locked.is_default:
            raise StateConflict(
                _("The default warehouse cannot be deleted; make another one the default."),
                code="default_warehouse",
            )
        if StockLevel.objects.filter(warehouse=locked).exists():
            raise StateConflict(
                _("This warehouse has stock records; deactivate it instead."),
                code="warehouse_in_use",
            )
        _warehouse_event("entity.deleted", locked, actor)
        locked.delete()


# --- receipts, adjustments, thresholds ---------------------------------------------------


def stock_receive(
    *,
    product: Any,
    quantity: Any,
    reason: str = "",
    warehouse: Any = None,
    reference: str = "",
    actor: Any = None,
) -> StockMovement:
    """Goods arrive: on_hand grows by `quantity` (> 0) in `warehouse` (the default if None)."""
    with tenant_atomic():
        op = clean_operation(product=product, quantity=quantity, reason=reason,
                             warehouse=warehouse, reference=reference, signed=False)  # fmt: skip
        level = _level_for_update(op.product, op.warehouse, create=True)
        if level.on_hand + op.quantity > MAX_QUANTITY:
            raise ValidationError({"quantity": [_("The stock would exceed the largest quantity.")]})
        ledger = _Ledger(actor=actor, reason=op.reason, reference=op.reference)
        ledger.track([level])
        movement = ledger.move(level, Kind.RECEIPT, on_hand=op.quantity)
        ledger.write()
    return movement


def stock_adjust(
    *,
    product: Any,
    quantity: Any,
    reason: str,
    warehouse: Any = None,
    reference: str = "",
    actor: Any = None,
) -> StockMovement:
    """A correction (stocktake, damage): on_hand changes by `quantity`, signed, not zero.

    Refused when it would take on_hand below zero or below what orders hold (reserved).
    """
    with tenant_atomic():
        op = clean_operation(product=product, quantity=quantity, reason=reason,
                             warehouse=warehouse, reference=reference, signed=True)  # fmt: skip
        level = _level_for_update(op.product, op.warehouse, create=op.quantity > 0)
        after = level.on_hand + op.quantity
        if after < 0:
            raise ValidationError({"quantity": [
                _("This would take the stock below zero: %(on_hand)s on hand.")
                % {"on_hand": _decimal_text(level.on_hand)}
            ]})  # fmt: skip
        if after < level.reserved:
            raise ValidationError({"quantity": [
                _("Orders hold %(reserved)s of this stock: at most %(free)s can be removed.")
                % {"reserved": _decimal_text(level.reserved),
                   "free": _decimal_text(level.available)}
            ]})  # fmt: skip
        if after > MAX_QUANTITY:
            raise ValidationError({"quantity": [_("The stock would exceed the largest quantity.")]})
        ledger = _Ledger(actor=actor, reason=op.reason, reference=op.reference)
        ledger.track([level])
        movement = ledger.move(level, Kind.ADJUSTMENT, on_hand=op.quantity)
        ledger.write()
    return movement


def stock_level_update(*, level: StockLevel, data: dict[str, Any], actor: Any = None) -> StockLevel:
    """Change a level's low-stock threshold (the only field set by hand)."""
    unknown = sorted(set(data) - {"low_stock_threshold"})
    errors: dict[str, list[str]] = {name: [_("Unknown field.")] for name in unknown}
    threshold = None
    if "low_stock_threshold" in data:
        try:
            threshold = parse_threshold(data["low_stock_threshold"])
        except ValidationError as exc:
            errors["low_stock_threshold"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with tenant_atomic():
        (locked,) = _lock_levels(ids=[level.pk])
        if threshold is None or locked.low_stock_threshold == threshold:
            return locked
        locked.low_stock_threshold = threshold
        locked.save(update_fields=["low_stock_threshold", "updated_at"])
        # A new threshold is not a crossing of it: no `stock.low` (the `low` filter shows it).
        _emit("stock.updated", locked, actor, **_level_payload(locked),
              kinds=[], changed=["low_stock_threshold"])  # fmt: skip
    return locked


# --- orders ------------------------------------------------------------------------------


def _stockable(line: OrderLine | None, product: Product) -> bool:
    """Stock is kept in the product's unit; a line sold in another unit is not taken from it."""
    return line is not None and line.unit == product.unit


@dataclass
class _OrderWork:
    order: Order
    ledger: _Ledger
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
                            "reserved": _decimal_text(r.quantity),
                            "backordered": _decimal_text(r.backordered),
                        }
                        for r in self.grown.values()
                    ],
                },
                actor=self.ledger.actor,
            )


def _order_work(
    order: Order,
    *,
    actor: Any,
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
    levels = _lock_levels(
        ids={r.stock_level_id for r in active if r.stock_level_id},
        warehouse=default,
        products=from_default,
    )
    ledger = _Ledger(actor=actor, reason=reason, reference=order.number, order=order)
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


def _lock_order(order_id: Any) -> Order | None:
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
    *, order_id: uuid.UUID | str, actor: Any = None, reason: str = "order.created"
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
    *, order_id: uuid.UUID | str, actor: Any = None, reason: str = "order.cancelled"
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
    *, order_id: uuid.UUID | str, actor: Any = None, reason: str = "order.shipped"
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
