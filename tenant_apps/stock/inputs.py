"""Stock's input layer: what the API and the admin send, cleaned into typed values.

Every problem of a request is named at once, keyed by field, as Django ValidationErrors
(the API's 400 with `fields`, the admin form's field errors). What the stored rows refuse
(a warehouse code taken, the default warehouse switched off) is asked of the services'
read-only checks, so it is named in the same answer; the services check it again when
they write.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse.actors import staff_actor
from dockpulse.numbers import (
    parse_quantity,
    quantity_places,
    quantity_value,
)
from tenant_apps.products.models import Product

from .models import Warehouse
from .services.warehouses import (
    WAREHOUSE_FIELDS,
    WarehouseChanges,
    WarehouseInput,
    warehouse_problems,
)

# The acting staff user (labelled by name, as the ledger has always shown them).
staff = staff_actor


# --- thresholds --------------------------------------------------------------------------


def parse_threshold(raw: Any) -> Decimal:
    """A low-stock threshold: zero (alerts off) or more, at most three places."""
    value = quantity_value(raw)
    if value < 0:
        raise ValidationError(_("The threshold cannot be negative."))
    return quantity_places(value)


def level_threshold(data: Mapping[str, Any]) -> Decimal:
    """The new threshold of a level (`{"low_stock_threshold": ...}`)."""
    try:
        return parse_threshold(data["low_stock_threshold"])
    except ValidationError as exc:
        raise ValidationError({"low_stock_threshold": exc.messages}) from exc


# --- receipts and adjustments ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operation:
    """A receipt or an adjustment, cleaned: the arguments of stock_receive / stock_adjust."""

    product: Product
    warehouse: Warehouse | None  # None: the default warehouse
    quantity: Decimal
    reason: str
    reference: str


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


def _warehouse(raw: Any) -> Warehouse | None:
    if raw in (None, ""):
        return None
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


def clean_operation(
    *, product: Any, quantity: Any, reason: Any, warehouse: Any = None, reference: Any = "",
    signed: bool,
) -> Operation:  # fmt: skip
    """The input of a receipt (signed=False) or an adjustment; every bad field at once."""
    errors: dict[str, list[str]] = {}
    checks: tuple[tuple[str, Callable[[], Any]], ...] = (
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


# --- warehouses --------------------------------------------------------------------------


def _warehouse_fields(data: Mapping[str, Any], *, instance: Warehouse | None) -> WarehouseChanges:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "code" in data:
        code = str(data["code"] or "").strip().upper()
        if not code:
            errors["code"] = [_("Enter the warehouse code.")]
        elif len(code) > 30:
            errors["code"] = [_("Enter at most 30 characters.")]
        else:
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
    changes = cast(WarehouseChanges, cleaned)
    # Named with the field errors above, not after them: the whole answer at once.
    for key, messages in warehouse_problems(changes=changes, instance=instance).items():
        errors.setdefault(key, messages)
    if errors:
        raise ValidationError({k: errors[k] for k in WAREHOUSE_FIELDS if k in errors})
    return changes


def warehouse_input(data: Mapping[str, Any]) -> WarehouseInput:
    """A new warehouse: code and name required."""
    missing = {n: [_("This field is required.")] for n in ("code", "name") if n not in data}
    if missing:
        raise ValidationError(missing)
    cleaned = _warehouse_fields(data, instance=None)
    return WarehouseInput(**cleaned)


def warehouse_changes(data: Mapping[str, Any], *, warehouse: Warehouse) -> WarehouseChanges:
    """The fields of `data` that change `warehouse`, cleaned."""
    return _warehouse_fields(data, instance=warehouse)
