"""Sales' input layer: what the API and the admin send, cleaned into the services' typed
values (OrderInput, OrderChanges, QuoteInput, QuoteChanges, LineInput).

Every problem is named at once, keyed by field (`lines.<index>.<field>` for lines), as
Django ValidationErrors: the API's 400 with `fields`. References are resolved here (a
customer, a product, an active user) like a form's choice fields do; what depends on a
document's state (only new orders change, who may move them) is the services' to decide.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse.actors import staff_actor
from dockpulse.numbers import parse_money, parse_quantity, to_decimal
from dockpulse.tenancy import tenant_today
from tenant_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.products.models import Product, Unit, VatRate

from .services.common import ADDRESS_KEYS
from .services.lines import CENT, MAX_LINES, MAX_TOTAL, LineInput, document_amounts
from .services.orders import OrderChanges, OrderInput
from .services.quotes import QuoteChanges, QuoteInput

ORDER_FIELDS = frozenset({"customer", "assigned_to", "notes", "metadata", "delivery_date",
                          "delivery_address"})  # fmt: skip
QUOTE_FIELDS = frozenset({"customer", "assigned_to", "notes", "metadata", "valid_until"})
LINE_KEYS = frozenset({"product", "description", "quantity", "unit", "unit_price", "discount",
                       "vat_rate"})  # fmt: skip
Errors = dict[str, list[str]]


# The acting staff user (labelled by name, as the history has always shown them).
staff = staff_actor


# --- lines -------------------------------------------------------------------------------


def _discount(raw: Any) -> Decimal:
    try:
        value = to_decimal(raw)
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


def _lines(raw: Any) -> tuple[tuple[LineInput, ...], Errors]:
    """Check every line and fill in its product's defaults; errors are keyed
    `lines.<index>.<field>`.

    A line names a `product` (its name, unit, price and VAT rate are the defaults) or gives a
    `description` and a `unit_price` (free text). Products are read in one query.
    """
    if not isinstance(raw, list) or not raw:
        return (), {"lines": [_("Add at least one line.")]}
    if len(raw) > MAX_LINES:
        return (), {"lines": [_("A document can have at most %(n)d lines.") % {"n": MAX_LINES}]}
    errors: Errors = {}
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

    cleaned: list[LineInput] = []
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
        checks: list[tuple[str, Callable[[Any], Any], Any]] = [
            ("quantity", parse_quantity, None),
            ("unit_price", parse_money, product.price if product else None),
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
        cleaned_line = LineInput(product=product, description=description, **values)
        if cleaned_line.amounts.gross >= MAX_TOTAL:
            errors[key + "quantity"] = [_("This line's total is too large.")]
            continue
        cleaned.append(cleaned_line)
    if errors:
        return (), errors
    if document_amounts(cleaned).gross >= MAX_TOTAL:
        return (), {"lines": [_("The document's total is too large.")]}
    return tuple(cleaned), {}


def clean_lines(raw: Any) -> tuple[LineInput, ...]:
    lines, errors = _lines(raw)
    if errors:
        raise ValidationError(errors)
    return lines


# --- header fields -----------------------------------------------------------------------


def _uuid(raw: Any) -> uuid.UUID:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except ValueError as exc:
        raise ValidationError(_("Enter a valid id.")) from exc


def _header(data: Mapping[str, Any], *, allowed: frozenset[str]) -> tuple[dict[str, Any], Errors]:
    """customer, assigned_to, notes, metadata, delivery_date/address, valid_until."""
    errors: Errors = {
        name: [_("Unknown field.")] for name in sorted(set(data) - allowed - {"lines"})
    }
    cleaned: dict[str, Any] = {}
    if "customer" in data:
        try:
            cleaned["customer"] = Customer.objects.get(pk=_uuid(data["customer"]))
        except (ValidationError, Customer.DoesNotExist):
            errors["customer"] = [_("There is no such customer.")]
    if "assigned_to" in data:
        if data["assigned_to"] in (None, ""):
            cleaned["assigned_to"] = None
        else:
            try:
                cleaned["assigned_to"] = User.objects.get(
                    pk=_uuid(data["assigned_to"]), is_active=True
                )
            except (ValidationError, User.DoesNotExist):
                errors["assigned_to"] = [_("There is no such active user.")]
    if "notes" in data:
        cleaned["notes"] = str(data["notes"] or "").strip()
        if len(cleaned["notes"]) > 5000:
            errors["notes"] = [_("Enter at most 5000 characters.")]
    if "metadata" in data:
        if not isinstance(data["metadata"], dict):
            errors["metadata"] = [_("Enter an object.")]
        cleaned["metadata"] = data["metadata"]
    for name in ("delivery_date", "valid_until"):
        if name in data:
            raw = data[name]
            if raw in (None, "") and name == "delivery_date":
                cleaned[name] = None
                continue
            try:
                cleaned[name] = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)
            except (TypeError, ValueError):
                errors[name] = [_("Enter a date as YYYY-MM-DD.")]
    if "delivery_address" in data:
        address = data["delivery_address"] or {}
        if not isinstance(address, dict):
            errors["delivery_address"] = [_("Enter an object with street, postal_code, city.")]
        else:
            unknown = sorted(set(address) - set(ADDRESS_KEYS))
            if unknown:
                errors["delivery_address"] = [
                    _("Unknown address fields: %(names)s.") % {"names": ", ".join(unknown)}
                ]
            cleaned["delivery_address"] = {
                key: str(address[key]).strip()[:255] for key in ADDRESS_KEYS if address.get(key)
            }
    return cleaned, errors


def _not_past(header: Mapping[str, Any]) -> Errors:
    if "valid_until" in header and header["valid_until"] < tenant_today():
        return {"valid_until": [_("The date cannot be in the past.")]}
    return {}


def _new_document(
    data: Mapping[str, Any], *, allowed: frozenset[str], check: Callable[[dict[str, Any]], Errors]
) -> tuple[dict[str, Any], tuple[LineInput, ...]]:
    """A new document's header and lines: header, missing customer and line errors at once."""
    header, errors = _header(data, allowed=allowed)
    if not errors:
        errors.update(check(header))
    if "customer" not in data:
        errors["customer"] = [_("This field is required.")]
    lines, line_errors = _lines(data.get("lines"))
    errors.update(line_errors)
    if errors:
        raise ValidationError(errors)
    return header, lines


def _changes(
    data: Mapping[str, Any], *, allowed: frozenset[str], check: Callable[[dict[str, Any]], Errors]
) -> dict[str, Any]:
    """A change's header fields, then its lines if given (each refused on its own)."""
    header, errors = _header(data, allowed=allowed)
    errors = errors or check(header)
    if errors:
        raise ValidationError(errors)
    if "lines" in data:
        header["lines"] = clean_lines(data["lines"])
    return header


def _no_check(header: dict[str, Any]) -> Errors:
    return {}


def order_input(data: Mapping[str, Any]) -> OrderInput:
    """A new order: customer and lines required; the rest as OrderInput's defaults say."""
    header, lines = _new_document(data, allowed=ORDER_FIELDS, check=_no_check)
    return OrderInput(lines=lines, **header)


def order_changes(data: Mapping[str, Any]) -> OrderChanges:
    return cast(OrderChanges, _changes(data, allowed=ORDER_FIELDS, check=_no_check))


def quote_input(data: Mapping[str, Any]) -> QuoteInput:
    """A new quote: customer and lines required; valid for 30 days unless it says otherwise."""
    header, lines = _new_document(data, allowed=QUOTE_FIELDS, check=_not_past)
    return QuoteInput(lines=lines, **header)


def quote_changes(data: Mapping[str, Any]) -> QuoteChanges:
    return cast(QuoteChanges, _changes(data, allowed=QUOTE_FIELDS, check=_not_past))
