"""A customer places an order in the portal, or repeats a past one in one step.

The customer chooses products of the active catalogue and how many; everything else is
the catalogue's and the sales services', exactly as for an order the staff type in:

- lines go through `sales.inputs` (the API's input layer) as product + quantity only, so
  the product's name, unit, net price and VAT rate are filled in there, the quantity is
  parsed there (positive, at most three places, within the column) and the amounts are
  `sales.services.lines`' own rounding. A customer never sends a price, a discount or a
  VAT rate.
- the order is made by `sales.services.order_create` with `source=portal` and the
  customer as its actor; it emits `order.created`, which the admin SMS trigger
  (`order.new.sms_admin`), stock's reservation and the customer's timeline handle, as
  for any order (seed section 7).
- in the same transaction `portal.order_placed` says that the customer did it in the
  portal (for workflow triggers of the tenant's own; none is made by default, so the
  admins get exactly one SMS per order: the one for `order.created`).

The portal adds a few rules of its own: only active products; quantities of counted
units (pieces, sets, packs) in whole numbers; a delivery date that is not in the past
(the tenant's day); a typed delivery address with street, postal code and city (none
given: the customer's address from the profile, as `order_create` does for staff).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import customer_actor
from dockpulse.errors import NotFound, NotPermitted, StateConflict
from dockpulse.numbers import parse_quantity
from dockpulse.tenancy import tenant_atomic
from tenant_apps.customers.models import Customer
from tenant_apps.products.models import Product, Unit
from tenant_apps.sales import inputs
from tenant_apps.sales.models import Order, Source
from tenant_apps.sales.services import order_create
from tenant_apps.sales.services.common import ADDRESS_KEYS
from tenant_apps.sales.services.lines import MAX_LINES, Amounts, LineInput, document_amounts
from tenant_apps.sales.services.lines import payload_items as stored_items
from tenant_apps.sales.services.orders import order_payload
from tenant_apps.sales.services.quotes import tenant_today

# Units nobody orders a part of: a customer types whole numbers of these.
COUNTED_UNITS = frozenset({Unit.PIECE, Unit.SET, Unit.PACK})
# What a typed delivery address must have (the country comes from the profile if blank).
ADDRESS_REQUIRED = ("street", "postal_code", "city")
NOTES_MAX = 5000

Errors = dict[str, list[str]]
# One line as the customer asks for it: a product's id and the quantity as typed.
LineRequest = tuple[Any, Any]


# --- the rules of one line ----------------------------------------------------------------


def _product_id(raw: Any) -> uuid.UUID | None:
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError):
        return None


def product_problem(product: Product | None) -> str:
    """Why `product` cannot be ordered in the portal ("" when it can)."""
    if product is None:
        return _("There is no such product in the catalogue.")
    if not product.is_active:
        return _("%(name)s is no longer sold.") % {"name": product.name}
    return ""


def portal_quantity(product: Product, raw: Any, *, whole_units: bool = True) -> Decimal:
    """A quantity of `product` as a customer may order it, in the product's unit: what
    staff may type (`dockpulse.numbers.parse_quantity`: above zero, at most three
    decimal places, within the column), and whole numbers of counted units."""
    value = parse_quantity(raw)
    if whole_units and product.unit in COUNTED_UNITS and value != value.to_integral_value():
        raise ValidationError(
            _("This product is sold in whole units (%(unit)s): enter a whole number.")
            % {"unit": product.unit}
        )
    return value


def _line_checks(
    lines: Sequence[LineRequest], *, whole_units: bool
) -> tuple[list[dict[str, Any]], dict[uuid.UUID, Product], Errors]:
    """The lines as sales.inputs takes them (product and quantity, nothing else), the
    products they name, and what the portal's own rules say about them."""
    ids = [_product_id(product) for product, _quantity in lines]
    products = Product.objects.in_bulk({pk for pk in ids if pk is not None})
    raw: list[dict[str, Any]] = []
    errors: Errors = {}
    for index, ((given, quantity), pk) in enumerate(zip(lines, ids, strict=True)):
        key = f"lines.{index}."
        product = products.get(pk) if pk is not None else None
        if given in (None, ""):
            errors[key + "product"] = [_("Choose a product.")]
        elif problem := product_problem(product):
            errors[key + "product"] = [problem]
        elif product is not None:
            try:
                portal_quantity(product, quantity, whole_units=whole_units)
            except ValidationError as exc:
                errors[key + "quantity"] = exc.messages
        raw.append({"product": str(given) if given not in (None, "") else None,
                    "quantity": quantity})  # fmt: skip
    return raw, products, errors


def _delivery_date_errors(raw: Any) -> Errors:
    """The portal's rule on the date; its format is sales.inputs' to check."""
    try:
        day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    except ValueError:
        return {}
    if day < tenant_today():
        return {"delivery_date": [_("The delivery date cannot be in the past.")]}
    return {}


def _address(customer: Customer, given: Mapping[str, Any]) -> tuple[dict[str, str], Errors]:
    address = {key: str(given.get(key) or "").strip() for key in given}
    errors: Errors = {
        f"delivery_address.{key}": [_("This field is required.")]
        for key in ADDRESS_REQUIRED
        if not address.get(key)
    }
    if not address.get("country"):
        address["country"] = customer.address_country or "PL"
    return address, errors


def _merge(*found: Errors) -> Errors:
    """The first source's message wins on a key (the portal's say it in the customer's
    terms: which product is no longer sold)."""
    merged: Errors = {}
    for errors in found:
        for key, problems in errors.items():
            merged.setdefault(key, problems)
    return merged


def _input(
    *,
    customer: Customer,
    lines: Sequence[LineRequest],
    delivery_date: Any,
    delivery_address: Mapping[str, Any] | None,
    notes: str,
    metadata: Mapping[str, Any],
    whole_units: bool,
) -> inputs.OrderInput:
    """The order as the sales services take it, or a ValidationError naming every
    problem at once (`lines.<index>.<field>` for lines)."""
    raw_lines, _products, own = _line_checks(lines, whole_units=whole_units)
    data: dict[str, Any] = {
        "customer": customer.pk,
        "lines": raw_lines,
        "notes": notes or "",
        "metadata": dict(metadata),
    }
    if delivery_date not in (None, ""):
        data["delivery_date"] = delivery_date
        own = _merge(own, _delivery_date_errors(delivery_date))
    if delivery_address is not None:
        if isinstance(delivery_address, Mapping):
            data["delivery_address"], address_errors = _address(customer, delivery_address)
            own = _merge(own, address_errors)
        else:
            data["delivery_address"] = delivery_address  # sales.inputs says what is wrong
    try:
        values = inputs.order_input(data)
    except ValidationError as exc:
        found = exc.message_dict if hasattr(exc, "error_dict") else {"lines": exc.messages}
        raise ValidationError(_merge(own, found)) from exc
    if own:
        raise ValidationError(own)
    return values


def _ensure_access(customer: Customer) -> None:
    active = Customer.objects.filter(pk=customer.pk, is_portal_active=True).exclude(
        portal_password=""
    )
    if not active.exists():
        raise NotPermitted(_("Your portal access is off: ask us to turn it on again."))


def _place(
    *,
    customer: Customer,
    lines: Sequence[LineRequest],
    delivery_date: Any = None,
    delivery_address: Mapping[str, Any] | None = None,
    notes: str = "",
    metadata: Mapping[str, Any] | None = None,
    whole_units: bool = True,
) -> Order:
    actor = customer_actor(customer)
    extra = {"reorder_of": metadata["reorder_of"]} if metadata and "reorder_of" in metadata else {}
    with tenant_atomic():
        _ensure_access(customer)
        values = _input(
            customer=customer,
            lines=lines,
            delivery_date=delivery_date,
            delivery_address=delivery_address,
            notes=notes,
            metadata=metadata or {},
            whole_units=whole_units,
        )
        order = order_create(values=values, actor=actor, source=Source.PORTAL)
        events.emit(
            event_type="portal.order_placed",
            source_module="portal",
            entity_type="order",
            entity_id=order.id,
            payload=order_payload(
                order, order_id=str(order.id), items=stored_items(order.lines.all()), **extra
            ),
            actor=actor,
        )
    return order


# --- placing an order ---------------------------------------------------------------------


def portal_order_place(
    *,
    customer: Customer,
    lines: Sequence[LineRequest],
    delivery_date: dt.date | str | None = None,
    delivery_address: Mapping[str, Any] | None = None,
    notes: str = "",
) -> Order:
    """The customer's order of `lines` ((product id, quantity) pairs) from the active
    catalogue, at the catalogue's prices; `order.created` and `portal.order_placed` in
    one transaction.

    `delivery_address` None: the profile's address. NotPermitted when the customer's
    portal access is off; a ValidationError naming every problem at once otherwise."""
    return _place(
        customer=customer,
        lines=lines,
        delivery_date=delivery_date,
        delivery_address=delivery_address,
        notes=notes,
    )


# --- repeating a past order ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reordered:
    """The new order, and what of the old one it could not include (by name)."""

    order: Order
    skipped: tuple[str, ...] = ()


def portal_order_reorder(*, customer: Customer, order: Order) -> Reordered:
    """A new order with the products and quantities of `order` (the customer's own), at
    today's catalogue prices, delivered to the profile's address, no delivery date.

    Lines whose product is no longer sold (or a free-text line, or a product now sold in
    another unit) are left out and named in `skipped`; when nothing is left, a
    StateConflict (`nothing_to_reorder`). The quantities are repeated as they were (staff
    may have agreed 2.5 pieces), so the portal's whole-number rule is not applied."""
    if order.customer_id != customer.pk:
        raise NotFound(_("There is no such order."))
    wanted: list[LineRequest] = []
    skipped: list[str] = []
    for line in order.lines.select_related("product").order_by("position"):
        product = line.product
        if product is None or product_problem(product) or product.unit != line.unit:
            name = product.name if product is not None else line.description
            if name not in skipped:
                skipped.append(name)
            continue
        wanted.append((product.pk, line.quantity))
    if not wanted:
        raise StateConflict(
            _("None of the products of order %(number)s is sold any more: choose new ones "
              "in the catalogue.") % {"number": order.number},
            code="nothing_to_reorder",
        )  # fmt: skip
    placed = _place(
        customer=customer,
        lines=wanted,
        metadata={"reorder_of": order.number},
        whole_units=False,
    )
    return Reordered(order=placed, skipped=tuple(skipped))


# --- the cart's figures (read only) -------------------------------------------------------


@dataclass
class CartLine:
    """One line of the cart as the checkout shows it: the quantity as stored or typed,
    its amounts when the line is valid, its problems by field ("product"/"quantity")."""

    product: Product
    quantity: str
    amounts: Amounts | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class CartFigures:
    lines: list[CartLine]
    net: Decimal = Decimal(0)
    vat: Decimal = Decimal(0)
    gross: Decimal = Decimal(0)
    missing: int = 0  # lines whose product was deleted meanwhile (left out)
    partial: bool = False  # some lines have problems and are left out of the totals
    problems: list[str] = field(default_factory=list)  # the cart's own ("too large")


def portal_cart_figures(lines: Iterable[LineRequest]) -> CartFigures:
    """What placing these lines would store, without writing anything: every line through
    the same rules and `sales.inputs`, amounts and totals by the services' rounding.
    Lines with a problem carry it and are left out of the totals."""
    requested = list(lines)[:MAX_LINES]
    _raw, products, errors = _line_checks(requested, whole_units=True)
    figures = CartFigures(lines=[])
    good: list[tuple[CartLine, dict[str, Any]]] = []
    for index, (given, quantity) in enumerate(requested):
        product = products.get(pk) if (pk := _product_id(given)) is not None else None
        if product is None:
            figures.missing += 1
            continue
        prefix = f"lines.{index}."
        line = CartLine(
            product=product,
            quantity=str(quantity),
            errors={k.removeprefix(prefix): v for k, v in errors.items() if k.startswith(prefix)},
        )
        figures.lines.append(line)
        if not line.errors:
            good.append((line, {"product": str(product.pk), "quantity": quantity}))
    figures.partial = len(good) < len(figures.lines)
    if not good:
        return figures
    try:
        cleaned: Sequence[LineInput] = inputs.clean_lines([raw for _line, raw in good])
    except ValidationError as exc:
        # A line's total or the cart's is too large: said on the line, or for the cart.
        found = exc.message_dict if hasattr(exc, "error_dict") else {"lines": exc.messages}
        for key, problems in found.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(good):
                good[int(parts[1])][0].errors[parts[2]] = list(problems)
            else:
                figures.problems.extend(problems)
        figures.partial = True
        return figures
    for (line, _raw_line), value in zip(good, cleaned, strict=True):
        line.amounts = value.amounts
    totals = document_amounts(cleaned)
    figures.net, figures.vat, figures.gross = totals.net, totals.vat, totals.gross
    return figures


__all__ = [
    "ADDRESS_KEYS",
    "COUNTED_UNITS",
    "NOTES_MAX",
    "CartFigures",
    "CartLine",
    "Reordered",
    "portal_cart_figures",
    "portal_order_place",
    "portal_order_reorder",
    "portal_quantity",
    "product_problem",
]
