"""Quantities and money typed by people: one parser for every app.

Polish spreadsheets and keyboards write `1 234,50` (a space or a no-break space between
thousands, a decimal comma), so both parsers accept that as well as `1234.50`. Values come
back as `Decimal` with the column's places (money 2, quantities 3): the database columns are
Decimal(12, 2) and Decimal(12, 3), and a value with more places is refused rather than
rounded, because silently rounding a typed price or quantity changes what was asked for.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MONEY_STEP = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")  # Decimal(12, 2)
QUANTITY_STEP = Decimal("0.001")
MAX_QUANTITY = Decimal("999999999.999")  # Decimal(12, 3), in the product's unit

_SEPARATORS = str.maketrans({" ": None, "\u00a0": None, ",": "."})


def to_decimal(raw: object) -> Decimal:
    """`raw` as a finite Decimal, or InvalidOperation (also for None and booleans, which
    `Decimal(str(...))` would otherwise read as text or JSON's `true` would pass as 1)."""
    if isinstance(raw, bool) or raw is None:
        raise InvalidOperation
    value = Decimal(str(raw).strip().translate(_SEPARATORS))
    if not value.is_finite():
        raise InvalidOperation
    return value


def parse_money(raw: object) -> Decimal:
    """An amount of money (a net price): not negative, at most two places."""
    try:
        value = to_decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(_("Enter a price such as 12.50.")) from exc
    if value < 0:
        raise ValidationError(_("The price cannot be negative."))
    if value > MAX_MONEY or value != value.quantize(MONEY_STEP):
        raise ValidationError(_("Enter a price with at most two decimal places."))
    return value.quantize(MONEY_STEP)


def quantity_value(raw: object) -> Decimal:
    """`raw` as a Decimal quantity, before any rule about its sign."""
    try:
        return to_decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(_("Enter a quantity such as 2 or 1.5.")) from exc


def quantity_places(value: Decimal) -> Decimal:
    """`value` within the largest quantity and at most three places, quantized."""
    if abs(value) > MAX_QUANTITY or value != value.quantize(QUANTITY_STEP):
        raise ValidationError(_("Enter a quantity with at most three decimal places."))
    return value.quantize(QUANTITY_STEP)


def parse_quantity(raw: object, *, signed: bool = False) -> Decimal:
    """A quantity with at most three places: > 0, or (signed, a stock change) not zero."""
    value = quantity_value(raw)
    if signed and value == 0:
        raise ValidationError(_("Enter a change other than zero (negative to remove stock)."))
    if not signed and value <= 0:
        raise ValidationError(_("The quantity must be greater than zero."))
    return quantity_places(value)
