"""Writes of products: create, update, delete, CSV import. Each sends its event.

They take cleaned values (tenant_apps/products/inputs.py) and apply what needs the
database: the tenant's field rules and a code no other product has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from dockpulse import csvio, events
from dockpulse.actors import Actor
from dockpulse.errors import StateConflict
from dockpulse.inputs import InvalidInput
from dockpulse.modules import field_policy
from dockpulse.tenancy import tenant_atomic
from dockpulse.updates import apply_changes

from . import inputs
from .inputs import ProductChanges, ProductInput
from .models import Product

ENTITY = "product"


def _conflicts(values: Mapping[str, Any], *, instance: Product | None) -> dict[str, list[str]]:
    """The database's objections to these cleaned values: a code another product has."""
    if "code" not in values:
        return {}
    clash = Product.objects.filter(code__iexact=values["code"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    return {"code": [_("Another product has this code.")]} if clash.exists() else {}


def product_check(values: ProductInput | ProductChanges, *, instance: Product | None) -> None:
    """The tenant's field rules, then a free code; ValidationError per field.

    The services apply it themselves; the admin's form calls it too, to show the
    problems on the form instead of failing the save."""
    given = values.given() if isinstance(values, ProductInput) else dict(values)
    field_policy().check_input(ENTITY, given, creating=instance is None)
    conflicts = _conflicts(given, instance=instance)
    if conflicts:
        raise ValidationError(conflicts)


@contextmanager
def product_problems(*, instance: Product | None) -> Iterator[None]:
    """Around cleaning a product's input: when fields fail to clean, the tenant's field
    rules are applied first (alone, as for clean input) and then the database's
    objections to the fields that did clean join theirs, so one answer names every
    problem (a taken code next to a negative price)."""
    try:
        yield
    except InvalidInput as exc:
        field_policy().check_input(ENTITY, exc.given, creating=instance is None)
        valid = {name: exc.given[name] for name in exc.valid}
        merged = {**exc.message_dict, **_conflicts(valid, instance=instance)}
        order = list(inputs.CLEANERS)
        raise ValidationError(
            dict(sorted(merged.items(), key=lambda item: order.index(item[0])))
        ) from None


def _event(kind: str, product: Product, actor: Actor, **extra: Any) -> None:
    events.emit(
        event_type=kind,
        source_module="products",
        entity_type="product",
        entity_id=product.id,
        payload={"code": product.code, "name": product.name, "price": product.price, **extra},
        actor=actor,
    )


def product_create(*, values: ProductInput, actor: Actor) -> Product:
    field_policy().check_input(ENTITY, values.given(), creating=True)
    with tenant_atomic():
        conflicts = _conflicts(values.given(), instance=None)
        if conflicts:
            raise ValidationError(conflicts)
        product = Product.objects.create(**values.given())
        _event("entity.created", product, actor)
    return product


def product_update(*, product: Product, changes: ProductChanges, actor: Actor) -> Product:
    field_policy().check_input(ENTITY, changes, creating=False)
    with tenant_atomic():
        conflicts = _conflicts(changes, instance=product)
        if conflicts:
            raise ValidationError(conflicts)
        changed = apply_changes(product, dict(changes))
        if not changed:
            return product
        _event("entity.updated", product, actor, changed=changed)
    return product


def product_delete(*, product: Product, actor: Actor) -> None:
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
CSV_COLUMNS = inputs.EDITABLE


def _row(values: Mapping[str, str]) -> ProductInput:
    with product_problems(instance=None):
        product = inputs.product_input(values)
    product_check(product, instance=None)
    return product


def product_import(*, raw: bytes, dry_run: bool, actor: Actor) -> csvio.ImportReport:
    """Import products from CSV, all or nothing; every bad row reported by line."""
    rows = csvio.read_checked(
        raw, aliases=CSV_ALIASES, columns=CSV_COLUMNS, required=inputs.REQUIRED
    )
    report = csvio.ImportReport(rows=len(rows), dry_run=dry_run)
    with tenant_atomic():
        prepared, report.errors = csvio.validate_rows(
            rows, clean=_row, unique="code", key=lambda product: product.code
        )
        if report.errors or dry_run:
            return report
        for values in prepared:
            _event("entity.created", Product.objects.create(**values.given()), actor)
        report.created = len(prepared)
    return report


def product_export_csv(products: Iterable[Product], hidden: set[str]) -> str:
    columns = [c for c in CSV_COLUMNS if c not in hidden]
    return csvio.write(
        columns,
        ([getattr(p, c) for c in columns] for p in products),
    )
