"""Writes of customers: create, update, delete, CSV import. Each sends its event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip as nip_number

from dockpulse import csvio, events
from dockpulse.errors import StateConflict
from dockpulse.phones import normalize_phone
from dockpulse.tenancy import current_db_alias, get_current_tenant, tenant_atomic
from dockpulse.updates import apply_changes
from platform_app.limits import ensure_below
from tenant_apps.configuration.fields import check_input

from .models import Customer

_CREATE_LOCK = 0x4355_5354  # pg_advisory_xact_lock key: creations take turns at the limit

EDITABLE = (
    "name", "company_name", "phone", "email", "nip", "address", "notes", "tags",
    "is_portal_active",
)  # fmt: skip
ADDRESS_KEYS = ("street", "postal_code", "city", "country")


def normalize_nip(raw: str) -> str:
    try:
        return str(nip_number.validate(raw))
    except StdnumError as exc:
        raise ValidationError(_("This is not a valid NIP (check the digits).")) from exc


def clean_input(data: dict[str, Any], *, instance: Customer | None) -> dict[str, Any]:
    """Validate and normalise the fields given; per-field messages."""
    unknown = set(data) - set(EDITABLE)
    errors: dict[str, list[str]] = {name: [_("Unknown field.")] for name in sorted(unknown)}
    cleaned: dict[str, Any] = {}
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            errors["name"] = [_("Enter the customer's name.")]
        cleaned["name"] = name[:255]
    if "phone" in data:
        try:
            cleaned["phone"] = normalize_phone(str(data["phone"] or ""))
        except ValidationError as exc:
            errors["phone"] = exc.messages
        else:
            clash = Customer.objects.filter(phone=cleaned["phone"])
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["phone"] = [_("Another customer has this phone number.")]
    if data.get("nip"):
        try:
            cleaned["nip"] = normalize_nip(str(data["nip"]))
        except ValidationError as exc:
            errors["nip"] = exc.messages
    elif "nip" in data:
        cleaned["nip"] = ""
    if data.get("email"):
        email = str(data["email"]).strip().lower()
        try:
            validate_email(email)
            cleaned["email"] = email
        except ValidationError as exc:
            errors["email"] = exc.messages
    elif "email" in data:
        cleaned["email"] = ""
    if "address" in data:
        address = data["address"] or {}
        if not isinstance(address, dict) or set(address) - set(ADDRESS_KEYS):
            errors["address"] = [_("Give street, postal_code, city and country.")]
        else:
            country = str(address.get("country") or "PL").upper()
            if len(country) != 2 or not country.isalpha():
                errors["address"] = [_("The country is a two-letter code, e.g. PL.")]
            for key in ADDRESS_KEYS:
                if key in address or key == "country":
                    value = country if key == "country" else str(address.get(key) or "").strip()
                    cleaned[f"address_{key}"] = value
    if "tags" in data:
        tags = data["tags"] or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            errors["tags"] = [_("Give a list of tags.")]
        else:
            cleaned["tags"] = sorted({t.strip()[:50] for t in tags if t.strip()})
    for key in ("company_name", "notes"):
        if key in data:
            cleaned[key] = str(data[key] or "").strip()
    if "is_portal_active" in data:
        cleaned["is_portal_active"] = bool(data["is_portal_active"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _lock_and_check_limit(adding: int = 1) -> None:
    with connections[current_db_alias()].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CREATE_LOCK])
    ensure_below(
        tenant_id=get_current_tenant().id,
        field="max_customers",
        current=Customer.objects.count() + adding - 1,
    )


def _payload(customer: Customer) -> dict[str, Any]:
    return {"name": customer.name, "company_name": customer.company_name, "phone": customer.phone}


def customer_create(*, data: dict[str, Any], actor: Any = None) -> Customer:
    check_input("customer", data, creating=True)
    missing = {
        name: [_("This field is required.")] for name in ("name", "phone") if name not in data
    }
    if missing:
        raise ValidationError(missing)
    with tenant_atomic():
        _lock_and_check_limit()
        customer = Customer(**clean_input(data, instance=None))
        customer.save()
        events.emit(
            event_type="customer.created", source_module="customers", entity_type="customer",
            entity_id=customer.id, payload=_payload(customer), actor=actor,
        )  # fmt: skip
    return customer


def customer_update(*, customer: Customer, data: dict[str, Any], actor: Any = None) -> Customer:
    check_input("customer", data, creating=False)
    with tenant_atomic():
        changed = apply_changes(customer, clean_input(data, instance=customer))
        if not changed:
            return customer
        events.emit(
            event_type="customer.updated", source_module="customers", entity_type="customer",
            entity_id=customer.id, payload={**_payload(customer), "changed": changed}, actor=actor,
        )  # fmt: skip
    return customer


def customer_delete(*, customer: Customer, actor: Any = None) -> None:
    """Delete a customer without orders or quotes (documents keep their customer)."""
    try:
        with tenant_atomic():
            events.emit(
                event_type="entity.deleted", source_module="customers", entity_type="customer",
                entity_id=customer.id, payload=_payload(customer), actor=actor,
            )  # fmt: skip
            customer.delete()
    except ProtectedError as exc:
        raise StateConflict(
            _("This customer has orders or quotes, so the record stays; you can block their "
              "portal access instead."),
            code="customer_in_use",
        ) from exc  # fmt: skip


# --- CSV --------------------------------------------------------------------------------

CSV_ALIASES = {
    "nazwa": "name", "imię i nazwisko": "name", "firma": "company_name", "company": "company_name",
    "telefon": "phone", "e-mail": "email", "mail": "email", "ulica": "street",
    "kod pocztowy": "postal_code", "kod_pocztowy": "postal_code", "miasto": "city",
    "kraj": "country", "notatki": "notes", "uwagi": "notes", "tagi": "tags",
}  # fmt: skip
CSV_COLUMNS = (
    "name", "company_name", "phone", "email", "nip", "street", "postal_code", "city",
    "country", "notes", "tags",
)  # fmt: skip


def _row_data(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    address = {}
    for key, value in values.items():
        if key in ("street", "postal_code", "city", "country"):
            if value:
                address[key] = value
        elif key == "tags":
            data["tags"] = [t for t in value.replace("|", ",").split(",") if t.strip()]
        elif key == "__extra__":
            data["__extra__"] = value
        else:
            data[key] = value
    if address:
        data["address"] = address
    return data


def customer_import(*, raw: bytes, dry_run: bool, actor: Any = None) -> csvio.ImportReport:
    """Import customers from CSV, all or nothing: one bad row and nothing is written.

    Every bad row is reported with its line number and fields, in the dry run and in the
    real run alike.
    """
    rows = csvio.read_checked(
        raw, aliases=CSV_ALIASES, columns=CSV_COLUMNS, required=("name", "phone")
    )
    report = csvio.ImportReport(rows=len(rows), dry_run=dry_run)

    def clean(data: dict[str, Any]) -> dict[str, Any]:
        check_input("customer", data, creating=True)
        return clean_input(data, instance=None)

    with tenant_atomic():
        prepared, report.errors = csvio.validate_rows(
            rows, to_data=_row_data, clean=clean, unique="phone"
        )
        if report.errors or dry_run:
            return report
        _lock_and_check_limit(adding=len(prepared))
        for cleaned in prepared:
            customer = Customer.objects.create(**cleaned)
            events.emit(
                event_type="customer.created", source_module="customers",
                entity_type="customer", entity_id=customer.id, payload=_payload(customer),
                actor=actor,
            )  # fmt: skip
        report.created = len(prepared)
    return report


def customer_export_csv(customers: Any, hidden: set[str]) -> str:
    columns = [c for c in CSV_COLUMNS if c not in hidden and not (
        c in ADDRESS_KEYS and "address" in hidden)]  # fmt: skip

    def cells(customer: Customer) -> list[object]:
        values = {
            "name": customer.name, "company_name": customer.company_name,
            "phone": customer.phone, "email": customer.email, "nip": customer.nip,
            "street": customer.address_street, "postal_code": customer.address_postal_code,
            "city": customer.address_city, "country": customer.address_country,
            "notes": customer.notes, "tags": "|".join(customer.tags),
        }  # fmt: skip
        return [values[c] for c in columns]

    return csvio.write(columns, (cells(c) for c in customers))
