"""Document lines: input checks and totals, shared by orders and quotes.

Rounding (documented in docs/api.md): each line is rounded on its own, half up, to 0.01 --
net = quantity x unit price x (100 - discount) / 100, VAT = net x rate / 100, gross = net +
VAT -- and the document's totals are the sums of its lines' rounded amounts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenant_apps.products.models import Product, Unit, VatRate
from tenant_apps.products.services import parse_price, parse_quantity

CENT = Decimal("0.01")
MAX_LINES = 500
# Totals are numeric(14, 2): a line or a document must stay below this.
MAX_TOTAL = Decimal("1000000000000")
LINE_KEYS = frozenset({"product", "description", "quantity", "unit", "unit_price", "discount",
                       "vat_rate"})  # fmt: skip


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Amounts:
    net: Decimal
    vat: Decimal
    gross: Decimal


def line_amounts(
    *, quantity: Decimal, unit_price: Decimal, discount: Decimal, vat_rate: str
) -> Amounts:
    net = money(quantity * unit_price * (Decimal(100) - discount) / Decimal(100))
    rate = Decimal(0) if vat_rate == VatRate.EXEMPT else Decimal(vat_rate)
    vat = money(net * rate / Decimal(100))
    return Amounts(net=net, vat=vat, gross=net + vat)


def document_amounts(lines: list[dict[str, Any]]) -> Amounts:
    net = sum((line["total_net"] for line in lines), Decimal(0))
    vat = sum((line["total_vat"] for line in lines), Decimal(0))
    return Amounts(net=net, vat=vat, gross=net + vat)


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise InvalidOperation
    value = Decimal(str(raw).strip().replace(" ", "").replace(",", "."))
    if not value.is_finite():
        raise InvalidOperation
    return value


def _discount(raw: Any) -> Decimal:
    try:
        value = _decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(_("Enter a discount in percent, from 0 to 100.")) from exc
    if value < 0 or value > 100:
        raise ValidationError(_("Enter a discount in percent, from 0 to 100."))
    if value != value.quantize(CENT):
        raise ValidationError(_("Enter a discount with at most two decimal places."))
    return value.quantize(CENT)


def _vat_rate(raw: Any) -> str:
    rate = str(raw if raw is not None else "").strip().lower().removesuffix("%")
    if rate not in VatRate.values:
        raise ValidationError(_("Choose one of: %(rates)s.") % {"rates": ", ".join(VatRate.values)})
    return rate


def _unit(raw: Any) -> str:
    unit = str(raw if raw is not None else "").strip().lower()
    if unit not in Unit.values:
        raise ValidationError(_("Choose one of: %(units)s.") % {"units": ", ".join(Unit.values)})
    return unit


def clean_lines(raw: Any) -> list[dict[str, Any]]:
    """Check every line and compute its totals; errors are keyed `lines.<index>.<field>`.

    A line names a `product` (its name, unit, price and VAT rate are the defaults) or gives a
    `description` and a `unit_price` (free text). Products are read in one query.
    """
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    if len(raw) > MAX_LINES:
        raise ValidationError({"lines": [_("A document can have at most %(n)d lines.")
                                         % {"n": MAX_LINES}]})  # fmt: skip
    errors: dict[str, list[str]] = {}
    wanted: set[uuid.UUID] = set()
    for index, line in enumerate(raw):
        if not isinstance(line, dict):
            errors[f"lines.{index}"] = [_("Each line must be an object.")]
            continue
        for key in sorted(set(line) - LINE_KEYS):
            errors[f"lines.{index}.{key}"] = [_("Unknown field.")]
        if line.get("product") not in (None, ""):
            try:
                wanted.add(uuid.UUID(str(line["product"])))
            except ValueError:
                errors[f"lines.{index}.product"] = [_("Enter a valid product id.")]
    products = Product.objects.in_bulk(wanted) if wanted else {}

    cleaned: list[dict[str, Any]] = []
    for index, line in enumerate(raw):
        if not isinstance(line, dict):
            continue
        key = f"lines.{index}."
        product: Product | None = None
        if line.get("product") not in (None, "") and key + "product" not in errors:
            product = products.get(uuid.UUID(str(line["product"])))
            if product is None:
                errors[key + "product"] = [_("There is no such product.")]
            elif not product.is_active:
                errors[key + "product"] = [_("This product is no longer sold.")]
        description = str(line.get("description") or "").strip()
        if product is not None and not description:
            description = product.name
        if not description and key + "product" not in errors:
            errors[key + "description"] = [_("Choose a product or describe the line.")]
        if len(description) > 255:
            errors[key + "description"] = [_("Enter at most 255 characters.")]

        values: dict[str, Any] = {}
        checks: list[tuple[str, Any, Any]] = [
            ("quantity", parse_quantity, None),
            ("unit_price", parse_price, product.price if product else None),
            ("discount", _discount, Decimal(0)),
            ("vat_rate", _vat_rate, product.vat_rate if product else VatRate.STANDARD),
            ("unit", _unit, product.unit if product else Unit.PIECE),
        ]
        for name, parse, default in checks:
            given = line.get(name)
            if given in (None, ""):
                if default is None:
                    # A bad product id is reported already; its price is simply unknown.
                    if not (name == "unit_price" and key + "product" in errors):
                        errors[key + name] = [_("This field is required.")]
                    continue
                values[name] = default
                continue
            try:
                values[name] = parse(given)
            except ValidationError as exc:
                errors[key + name] = exc.messages
        if any(k.startswith(key) for k in errors):
            continue
        amounts = line_amounts(
            quantity=values["quantity"],
            unit_price=values["unit_price"],
            discount=values["discount"],
            vat_rate=values["vat_rate"],
        )
        if amounts.gross >= MAX_TOTAL:
            errors[key + "quantity"] = [_("This line's total is too large.")]
            continue
        cleaned.append({
            "position": index + 1, "product": product, "description": description, **values,
            "total_net": amounts.net, "total_vat": amounts.vat, "total_gross": amounts.gross,
        })  # fmt: skip
    if errors:
        raise ValidationError(errors)
    if document_amounts(cleaned).gross >= MAX_TOTAL:
        raise ValidationError({"lines": [_("The document's total is too large.")]})
    return cleaned


def copy_lines(lines: Any) -> list[dict[str, Any]]:
    """The cleaned form of stored lines (a quote's, when it becomes an order), as they are."""
    return [
        {
            "position": line.position,
            "product": line.product,
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "vat_rate": line.vat_rate,
            "total_net": line.total_net,
            "total_vat": line.total_vat,
            "total_gross": line.total_gross,
        }
        for line in lines
    ]


def payload_items(lines: Any) -> list[dict[str, Any]]:
    """Stored lines as events carry them (stock reserves from these)."""
    return [
        {
            "line_id": str(line.id),
            "product_id": str(line.product_id) if line.product_id else None,
            "description": line.description,
            "quantity": str(line.quantity),
            "unit": line.unit,
            "unit_price": str(line.unit_price),
            "total_gross": str(line.total_gross),
        }
        for line in lines
    ]
