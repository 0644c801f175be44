"""Writes of products: create, update, delete, CSV import. Each sends its event."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from dockpulse import csvio, events
from dockpulse.errors import StateConflict
from dockpulse.tenancy import tenant_atomic
from dockpulse.updates import apply_changes
from tenant_apps.configuration.fields import check_input

from .models import Product, Unit, VatRate

EDITABLE = ("code", "name", "description", "category", "price", "unit", "vat_rate", "is_active")
MAX_PRICE = Decimal("9999999999.99")
# Quantities (order lines, stock) are Decimal(12, 3) in the product's unit.
MAX_QUANTITY = Decimal("999999999.999")
QUANTITY_STEP = Decimal("0.001")


def parse_price(raw: Any) -> Decimal:
    """A net price: Decimal, not negative, two places; accepts "12,50" as Polish files write."""
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(_("Enter a price such as 12.50.")) from exc
    if not value.is_finite():
        raise ValidationError(_("Enter a price such as 12.50."))
    if value < 0:
        raise ValidationError(_("The price cannot be negative."))
    if value > MAX_PRICE or value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("Enter a price with at most two decimal places."))
    return value.quantize(Decimal("0.01"))


def parse_quantity(raw: Any, *, signed: bool = False) -> Decimal:
    """A quantity with at most three places: > 0, or (signed) any non-zero value.

    Accepts "1,5" as Polish files write it."""
    if isinstance(raw, bool) or raw is None:
        raise ValidationError(_("Enter a quantity such as 2 or 1.5."))
    try:
        value = Decimal(str(raw).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError(_("Enter a quantity such as 2 or 1.5.")) from exc
    if not value.is_finite():
        raise ValidationError(_("Enter a quantity such as 2 or 1.5."))
    if signed and value == 0:
        raise ValidationError(_("Enter a change other than zero (negative to remove stock)."))
    if not signed and value <= 0:
        raise ValidationError(_("The quantity must be greater than zero."))
    if abs(value) > MAX_QUANTITY or value != value.quantize(QUANTITY_STEP):
        raise ValidationError(_("Enter a quantity with at most three decimal places."))
    return value.quantize(QUANTITY_STEP)


def clean_input(data: dict[str, Any], *, instance: Product | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {
        name: [_("Unknown field.")] for name in sorted(set(data) - set(EDITABLE))
    }
    cleaned: dict[str, Any] = {}
    if "code" in data:
        code = str(data["code"] or "").strip()
        if not code:
            errors["code"] = [_("Enter the product code.")]
        elif len(code) > 50:
            errors["code"] = [_("Enter at most 50 characters.")]
        else:
            clash = Product.objects.filter(code__iexact=code)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["code"] = [_("Another product has this code.")]
        cleaned["code"] = code
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            errors["name"] = [_("Enter the product name.")]
        cleaned["name"] = name[:255]
    if "price" in data:
        try:
            cleaned["price"] = parse_price(data["price"])
        except ValidationError as exc:
            errors["price"] = exc.messages
    if "unit" in data:
        unit = str(data["unit"] or "").strip().lower()
        if unit not in Unit.values:
            errors["unit"] = [_("Choose one of: %(units)s.") % {"units": ", ".join(Unit.values)}]
        cleaned["unit"] = unit
    if "vat_rate" in data:
        rate = str(data["vat_rate"] or "").strip().lower().removesuffix("%")
        if rate not in VatRate.values:
            errors["vat_rate"] = [
                _("Choose one of: %(rates)s.") % {"rates": ", ".join(VatRate.values)}
            ]
        cleaned["vat_rate"] = rate
    for key in ("description", "category"):
        if key in data:
            cleaned[key] = str(data[key] or "").strip()
    if len(cleaned.get("category", "")) > 100:
        errors["category"] = [_("Enter at most 100 characters.")]
    if "is_active" in data:
        value = data["is_active"]
        if isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "yes", "tak", "t")
        cleaned["is_active"] = bool(value)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _event(kind: str, product: Product, actor: Any, **extra: Any) -> None:
    events.emit(
        event_type=kind,
        source_module="products",
        entity_type="product",
        entity_id=product.id,
        payload={"code": product.code, "name": product.name, "price": product.price, **extra},
        actor=actor,
    )


def product_create(*, data: dict[str, Any], actor: Any = None) -> Product:
    check_input("product", data, creating=True)
    missing = {
        n: [_("This field is required.")] for n in ("code", "name", "price") if n not in data
    }
    if missing:
        raise ValidationError(missing)
    with tenant_atomic():
        product = Product.objects.create(**clean_input(data, instance=None))
        _event("entity.created", product, actor)
    return product


def product_update(*, product: Product, data: dict[str, Any], actor: Any = None) -> Product:
    check_input("product", data, creating=False)
    with tenant_atomic():
        changed = apply_changes(product, clean_input(data, instance=product))
        if not changed:
            return product
        _event("entity.updated", product, actor, changed=changed)
    return product


def product_delete(*, product: Product, actor: Any = None) -> None:
    """Delete a product nothing refers to; one on orders, quotes or stock records stays
    (the database's PROTECT keys say so) and can be made inactive instead."""
    try:
        with tenant_atomic():
            _event("entity.deleted", product, actor)
            product.delete()
    except ProtectedError as exc:
        raise StateConflict(
            _("This product is on orders, quotes or stock records, so it stays; make it "
              "inactive instead."),
            code="product_in_use",
        ) from exc  # fmt: skip


# --- CSV --------------------------------------------------------------------------------

CSV_ALIASES = {
    "kod": "code", "symbol": "code", "nazwa": "name", "opis": "description",
    "kategoria": "category", "cena": "price", "cena netto": "price", "jednostka": "unit",
    "jm": "unit", "j.m.": "unit", "vat": "vat_rate", "stawka vat": "vat_rate",
    "aktywny": "is_active",
}  # fmt: skip
CSV_COLUMNS = EDITABLE


def product_import(*, raw: bytes, dry_run: bool, actor: Any = None) -> csvio.ImportReport:
    """Import products from CSV, all or nothing; every bad row reported by line."""
    rows = csvio.read_checked(
        raw, aliases=CSV_ALIASES, columns=CSV_COLUMNS, required=("code", "name", "price")
    )
    report = csvio.ImportReport(rows=len(rows), dry_run=dry_run)

    def clean(data: dict[str, Any]) -> dict[str, Any]:
        check_input("product", data, creating=True)
        return clean_input(data, instance=None)

    with tenant_atomic():
        prepared, report.errors = csvio.validate_rows(
            rows, to_data=dict, clean=clean, unique="code"
        )
        if report.errors or dry_run:
            return report
        for cleaned in prepared:
            _event("entity.created", Product.objects.create(**cleaned), actor)
        report.created = len(prepared)
    return report


def product_export_csv(products: Any, hidden: set[str]) -> str:
    columns = [c for c in CSV_COLUMNS if c not in hidden]
    return csvio.write(
        columns,
        ([getattr(p, c) for c in columns] for p in products),
    )
