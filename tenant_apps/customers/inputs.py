"""Cleaning a customer's values before a service writes them.

The API's serializer checks the shape (and refuses unknown fields), the admin's form and
the CSV reader theirs (unknown columns are refused); this turns what they give into typed
values: a phone in E.164, a NIP whose checksum holds, a lower-case e-mail, a trimmed
address and sorted tags. Every bad field is named at once, with the messages the API has
always answered with. What needs the database (a phone another customer has, the plan's
customer limit, the tenant's field rules) is the service's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypedDict, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip as nip_number

from dockpulse.inputs import clean_fields
from dockpulse.phones import normalize_phone

REQUIRED = ("name", "phone")
ADDRESS_KEYS = ("street", "postal_code", "city", "country")
DEFAULT_COUNTRY = "PL"


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """The parts of an address given; None leaves that part as it is (an update) or
    blank (a create). The country is written with any address: PL unless given."""

    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None

    def given(self) -> dict[str, str]:
        parts = {
            "street": self.street,
            "postal_code": self.postal_code,
            "city": self.city,
            "country": self.country,
        }
        return {key: value for key, value in parts.items() if value is not None}

    def columns(self) -> dict[str, str]:
        columns = {f"address_{key}": value for key, value in self.given().items()}
        columns["address_country"] = self.country or DEFAULT_COUNTRY
        return columns


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerInput:
    """A new customer's cleaned values.

    Portal access is none of them: it goes on only with a password sent by SMS
    (portal_access.py), never as a flag on a form or in a body."""

    name: str
    phone: str  # E.164
    # None is "not given": the model's default is stored, and the tenant's field rules
    # see the field as absent (a required one then refuses the customer).
    company_name: str | None = None
    email: str | None = None
    nip: str | None = None
    address: Address | None = None
    notes: str | None = None
    tags: tuple[str, ...] | None = None

    def typed(self) -> dict[str, Any]:
        """The fields given, with their typed values."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}

    def given(self) -> dict[str, Any]:
        """The fields given, as the API names them (the tenant's field rules read these)."""
        return as_api(self.typed())

    def columns(self) -> dict[str, Any]:
        """The fields given, as the model's columns."""
        return as_columns(self.typed())


class CustomerChanges(TypedDict, total=False):
    """A customer's cleaned new values; only the keys present change."""

    name: str
    company_name: str
    phone: str
    email: str
    nip: str
    address: Address
    notes: str
    tags: list[str]


def as_api(values: Mapping[str, Any]) -> dict[str, Any]:
    """Cleaned values as the API names them: the address a dict of the parts given."""
    view = dict(values)
    if isinstance(view.get("address"), Address):
        view["address"] = view["address"].given()
    if "tags" in view:
        view["tags"] = list(view["tags"])
    return view


def as_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Cleaned values as the model's columns (the address spread over its four)."""
    cols = {key: value for key, value in values.items() if key != "address"}
    if "tags" in cols:
        cols["tags"] = list(cols["tags"])
    address = values.get("address")
    if isinstance(address, Address):
        cols.update(address.columns())
    return cols


def normalize_nip(raw: str) -> str:
    try:
        return str(nip_number.validate(raw))
    except StdnumError as exc:
        raise ValidationError(_("This is not a valid NIP (check the digits).")) from exc


def clean_name(raw: object) -> str:
    name = str(raw or "").strip()
    if not name:
        raise ValidationError(_("Enter the customer's name."))
    return name[:255]


def clean_phone(raw: object) -> str:
    return normalize_phone(str(raw or ""))


def clean_nip(raw: object) -> str:
    return normalize_nip(str(raw)) if raw else ""


def clean_email(raw: object) -> str:
    if not raw:
        return ""
    email = str(raw).strip().lower()
    validate_email(email)
    return email


def clean_address(raw: object) -> Address:
    address = raw or {}
    if not isinstance(address, Mapping) or set(address) - set(ADDRESS_KEYS):
        raise ValidationError(_("Give street, postal_code, city and country."))
    country = str(address.get("country") or DEFAULT_COUNTRY).upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(_("The country is a two-letter code, e.g. PL."))

    def part(key: str) -> str | None:
        return str(address.get(key) or "").strip() if key in address else None

    return Address(
        street=part("street"),
        postal_code=part("postal_code"),
        city=part("city"),
        country=country if "country" in address else None,
    )


def clean_tags(raw: object) -> list[str]:
    tags = raw or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValidationError(_("Give a list of tags."))
    return sorted({tag.strip()[:50] for tag in tags if tag.strip()})


def clean_text(raw: object) -> str:
    return str(raw or "").strip()


# In the order the fields' problems are listed.
CLEANERS: dict[str, Callable[[Any], Any]] = {
    "name": clean_name,
    "phone": clean_phone,
    "nip": clean_nip,
    "email": clean_email,
    "address": clean_address,
    "tags": clean_tags,
    "company_name": clean_text,
    "notes": clean_text,
}


def _clean(given: Mapping[str, Any], *, required: tuple[str, ...]) -> dict[str, Any]:
    return clean_fields(
        given, cleaners=CLEANERS, required=required, entity="customer", as_given=as_api
    )


def customer_input(given: Mapping[str, Any]) -> CustomerInput:
    """Clean a new customer's values (the fields given), or raise InvalidInput."""
    cleaned = _clean(given, required=REQUIRED)
    if "tags" in cleaned:
        cleaned["tags"] = tuple(cleaned["tags"])
    return CustomerInput(**cleaned)


def customer_changes(given: Mapping[str, Any]) -> CustomerChanges:
    """Clean a partial update (the keys given, e.g. a PATCH body), or raise InvalidInput."""
    return cast(CustomerChanges, _clean(given, required=()))


# --- CSV rows ---------------------------------------------------------------------------


def csv_row(cells: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row's cells as the fields given: the address parts that have a value, and
    tags split on `|` or `,` (how spreadsheets keep a list in one cell)."""
    given: dict[str, Any] = {}
    address: dict[str, str] = {}
    for key, value in cells.items():
        if key in ADDRESS_KEYS:
            if value:
                address[key] = value
        elif key == "tags":
            given["tags"] = [tag for tag in value.replace("|", ",").split(",") if tag.strip()]
        else:
            given[key] = value
    if address:
        given["address"] = address
    return given
