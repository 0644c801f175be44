"""Receipts, adjustments and thresholds: changes of one level made by hand.

Each locks just its one level (creating it first, ON CONFLICT DO NOTHING, when goods
arrive for a new product x warehouse pair). Values come cleaned (stock.inputs); what
needs the locked level -- below zero, below what orders hold, beyond the largest
quantity -- is decided here.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse.actors import Actor
from dockpulse.tenancy import tenant_atomic
from tenant_apps.products.models import Product
from tenant_apps.stock.models import StockLevel, StockMovement, Warehouse

from .common import MAX_QUANTITY, decimal_text
from .ledger import Ledger, emit_level, level_for_update, level_payload, lock_levels
from .warehouses import warehouse_default

Kind = StockMovement.Kind


def _too_large() -> ValidationError:
    return ValidationError({"quantity": [_("The stock would exceed the largest quantity.")]})


def stock_receive(
    *,
    product: Product,
    quantity: Decimal,
    actor: Actor,
    reason: str = "",
    warehouse: Warehouse | None = None,
    reference: str = "",
) -> StockMovement:
    """Goods arrive: on_hand grows by `quantity` (> 0) in `warehouse` (the default if None)."""
    if quantity <= 0:
        raise ValueError("a receipt's quantity is greater than zero")
    with tenant_atomic():
        level = level_for_update(product, warehouse or warehouse_default(), create=True)
        if level.on_hand + quantity > MAX_QUANTITY:
            raise _too_large()
        ledger = Ledger(actor=actor, reason=reason, reference=reference)
        ledger.track([level])
        movement = ledger.move(level, Kind.RECEIPT, on_hand=quantity)
        ledger.write()
    return movement


def stock_adjust(
    *,
    product: Product,
    quantity: Decimal,
    reason: str,
    actor: Actor,
    warehouse: Warehouse | None = None,
    reference: str = "",
) -> StockMovement:
    """A correction (stocktake, damage): on_hand changes by `quantity`, signed, not zero.

    Refused when it would take on_hand below zero or below what orders hold (reserved).
    """
    if quantity == 0 or not reason:
        raise ValueError("an adjustment changes the stock and says why")
    with tenant_atomic():
        target = warehouse or warehouse_default()
        level = level_for_update(product, target, create=quantity > 0)
        after = level.on_hand + quantity
        if after < 0:
            raise ValidationError({"quantity": [
                _("This would take the stock below zero: %(on_hand)s on hand.")
                % {"on_hand": decimal_text(level.on_hand)}
            ]})  # fmt: skip
        if after < level.reserved:
            raise ValidationError({"quantity": [
                _("Orders hold %(reserved)s of this stock: at most %(free)s can be removed.")
                % {"reserved": decimal_text(level.reserved),
                   "free": decimal_text(level.available)}
            ]})  # fmt: skip
        if after > MAX_QUANTITY:
            raise _too_large()
        ledger = Ledger(actor=actor, reason=reason, reference=reference)
        ledger.track([level])
        movement = ledger.move(level, Kind.ADJUSTMENT, on_hand=quantity)
        ledger.write()
    return movement


def stock_level_update(
    *, level: StockLevel, low_stock_threshold: Decimal, actor: Actor
) -> StockLevel:
    """Change a level's low-stock threshold (the only field set by hand)."""
    with tenant_atomic():
        (locked,) = lock_levels(ids=[level.pk])
        if locked.low_stock_threshold == low_stock_threshold:
            return locked
        locked.low_stock_threshold = low_stock_threshold
        locked.save(update_fields=["low_stock_threshold", "updated_at"])
        # A new threshold is not a crossing of it: no `stock.low` (the `low` filter shows it).
        emit_level("stock.updated", locked, actor, **level_payload(locked),
                   kinds=[], changed=["low_stock_threshold"])  # fmt: skip
    return locked
