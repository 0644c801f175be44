"""Cleaning a product's values before a service writes them.

The API's serializer checks the shape (and refuses unknown fields), the admin's form and
the CSV reader theirs (unknown columns are refused); this turns what they give into typed
values: a trimmed code and name, a price as Decimal (Polish decimal commas accepted), a
unit and VAT rate from their lists. Every bad field is named at once, with the messages
the API has always answered with. What needs the database (a code another product has,
the tenant's field rules) is the service's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, TypedDict, cast

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse.inputs import clean_fields
from dockpulse.numbers import parse_money

from .models import Unit, VatRate

REQUIRED = ("code", "name", "price")
_TRUE_WORDS = ("1", "true", "yes", "tak", "t")  # CSV cells: English and Polish


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductInput:
    """A new product's cleaned values."""

    code: str
    name: str
    price: Decimal
    # None is "not given": the model's default is stored, and the tenant's field rules
    # see the field as absent (a required one then refuses the product).
    description: str | None = None
    category: str | None = None
    unit: str | None = None
    vat_rate: str | None = None
    is_active: bool | None = None

    def given(self) -> dict[str, Any]:
        """The fields given, as the model's columns."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}


class ProductChanges(TypedDict, total=False):
    """A product's cleaned new values; only the keys present change."""

    code: str
    name: str
    description: str
    category: str
    price: Decimal
    unit: str
    vat_rate: str
    is_active: bool


def clean_code(raw: object) -> str:
    code = str(raw or "").strip()
    if not code:
        raise ValidationError(_("Enter the product code."))
    if len(code) > 50:
        raise ValidationError(_("Enter at most 50 characters."))
    return code


def clean_name(raw: object) -> str:
    name = str(raw or "").strip()
    if not name:
        raise ValidationError(_("Enter the product name."))
    return name[:255]


def clean_unit(raw: object) -> str:
    unit = str(raw or "").strip().lower()
    if unit not in Unit.values:
        raise ValidationError(_("Choose one of: %(units)s.") % {"units": ", ".join(Unit.values)})
    return unit


def clean_vat_rate(raw: object) -> str:
    rate = str(raw or "").strip().lower().removesuffix("%")
    if rate not in VatRate.values:
        raise ValidationError(_("Choose one of: %(rates)s.") % {"rates": ", ".join(VatRate.values)})
    return rate


def clean_text(raw: object) -> str:
    return str(raw or "").strip()


def clean_category(raw: object) -> str:
    category = clean_text(raw)
    if len(category) > 100:
        raise ValidationError(_("Enter at most 100 characters."))
    return category


def clean_flag(raw: object) -> bool:
    if isinstance(raw, str):
        return raw.strip().lower() in _TRUE_WORDS
    return bool(raw)


# In the order the fields' problems are listed.
CLEANERS: dict[str, Callable[[Any], Any]] = {
    "code": clean_code,
    "name": clean_name,
    "price": parse_money,
    "unit": clean_unit,
    "vat_rate": clean_vat_rate,
    "description": clean_text,
    "category": clean_category,
    "is_active": clean_flag,
}
EDITABLE = ("code", "name", "description", "category", "price", "unit", "vat_rate", "is_active")


def _clean(given: Mapping[str, Any], *, required: tuple[str, ...]) -> dict[str, Any]:
    return clean_fields(given, cleaners=CLEANERS, required=required, entity="product")


def product_input(given: Mapping[str, Any]) -> ProductInput:
    """Clean a new product's values (the fields given), or raise InvalidInput."""
    return ProductInput(**_clean(given, required=REQUIRED))


def product_changes(given: Mapping[str, Any]) -> ProductChanges:
    """Clean a partial update (the keys given, e.g. a PATCH body), or raise InvalidInput."""
    return cast(ProductChanges, _clean(given, required=()))
