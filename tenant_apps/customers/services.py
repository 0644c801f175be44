"""Writes of customers: create, update, delete, CSV import, portal access. Each sends its
event.

They take cleaned values (tenant_apps/customers/inputs.py) and apply what needs the
database: the tenant's field rules, a phone no other customer has (it is the portal
login), and the plan's customer limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from dockpulse import csvio, events
from dockpulse.actors import Actor
from dockpulse.errors import StateConflict
from dockpulse.inputs import InvalidInput
from dockpulse.modules import field_policy
from dockpulse.tenancy import current_db_alias, tenant_atomic
from dockpulse.tenancy.limits import ensure_below
from dockpulse.updates import apply_changes

from . import inputs
from .inputs import ADDRESS_KEYS, CustomerChanges, CustomerInput
from .models import Customer

# Portal access (an SMSed password) has its own module; callers find it here with the rest.
from .portal_access import customer_portal_access_grant as customer_portal_access_grant
from .portal_access import customer_portal_access_revoke as customer_portal_access_revoke

ENTITY = "customer"
_CREATE_LOCK = 0x4355_5354  # pg_advisory_xact_lock key: creations take turns at the limit


def _conflicts(values: Mapping[str, Any], *, instance: Customer | None) -> dict[str, list[str]]:
    """The database's objections to these cleaned values: a phone another customer has."""
    if "phone" not in values:
        return {}
    clash = Customer.objects.filter(phone=values["phone"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    return {"phone": [_("Another customer has this phone number.")]} if clash.exists() else {}


def _refuse_conflicts(values: Mapping[str, Any], *, instance: Customer | None) -> None:
    conflicts = _conflicts(values, instance=instance)
    if conflicts:
        raise ValidationError(conflicts)


def _check_fields(given: Mapping[str, Any], *, creating: bool) -> None:
    address = given.get("address")
    if isinstance(address, Mapping) and all(
        part in address and not address[part] for part in ("street", "postal_code", "city")
    ):
        # Street, postal code and city cleared: no address, whatever the country (which
        # defaults to PL), so a tenant's required address refuses it.
        given = {**given, "address": {}}
    field_policy().check_input(ENTITY, given, creating=creating)


def customer_check(values: CustomerInput | CustomerChanges, *, instance: Customer | None) -> None:
    """The tenant's field rules, then a free phone; ValidationError per field.

    The services apply it themselves; the admin's form calls it too, to show the
    problems on the form instead of failing the save."""
    given = values.given() if isinstance(values, CustomerInput) else inputs.as_api(values)
    _check_fields(given, creating=instance is None)
    _refuse_conflicts(given, instance=instance)


@contextmanager
def customer_problems(*, instance: Customer | None) -> Iterator[None]:
    """Around cleaning a customer's input: when fields fail to clean, the tenant's field
    rules are applied first (alone, as for clean input) and then the database's
    objections to the fields that did clean join theirs, so one answer names every
    problem (a taken phone next to a bad NIP)."""
    try:
        yield
    except InvalidInput as exc:
        _check_fields(exc.given, creating=instance is None)
        valid = {name: exc.given[name] for name in exc.valid}
        merged = {**exc.message_dict, **_conflicts(valid, instance=instance)}
        order = list(inputs.CLEANERS)
        raise ValidationError(
            dict(sorted(merged.items(), key=lambda item: order.index(item[0])))
        ) from None


def _lock_and_check_limit(adding: int = 1) -> None:
    with connections[current_db_alias()].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CREATE_LOCK])
    ensure_below(field="max_customers", current=Customer.objects.count() + adding - 1)


def _payload(customer: Customer) -> dict[str, Any]:
    return {"name": customer.name, "company_name": customer.company_name, "phone": customer.phone}


def _created(customer: Customer, actor: Actor) -> None:
    events.emit(
        event_type="customer.created", source_module="customers", entity_type="customer",
        entity_id=customer.id, payload=_payload(customer), actor=actor,
    )  # fmt: skip


def customer_create(*, values: CustomerInput, actor: Actor) -> Customer:
    _check_fields(values.given(), creating=True)
    with tenant_atomic():
        _lock_and_check_limit()
        _refuse_conflicts({"phone": values.phone}, instance=None)
        customer = Customer(**values.columns())
        customer.save()
        _created(customer, actor)
    return customer


def customer_update(*, customer: Customer, changes: CustomerChanges, actor: Actor) -> Customer:
    _check_fields(inputs.as_api(changes), creating=False)
    with tenant_atomic():
        _refuse_conflicts(changes, instance=customer)
        changed = apply_changes(customer, inputs.as_columns(changes))
        if not changed:
            return customer
        events.emit(
            event_type="customer.updated", source_module="customers", entity_type="customer",
            entity_id=customer.id, payload={**_payload(customer), "changed": changed}, actor=actor,
        )  # fmt: skip
    return customer


def customer_delete(*, customer: Customer, actor: Actor) -> None:
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


def _row(cells: Mapping[str, str]) -> CustomerInput:
    with customer_problems(instance=None):
        customer = inputs.customer_input(inputs.csv_row(cells))
    customer_check(customer, instance=None)
    return customer


def customer_import(*, raw: bytes, dry_run: bool, actor: Actor) -> csvio.ImportReport:
    """Import customers from CSV, all or nothing: one bad row and nothing is written.

    Every bad row is reported with its line number and fields, in the dry run and in the
    real run alike.
    """
    rows = csvio.read_checked(
        raw, aliases=CSV_ALIASES, columns=CSV_COLUMNS, required=inputs.REQUIRED
    )
    report = csvio.ImportReport(rows=len(rows), dry_run=dry_run)
    with tenant_atomic():
        prepared, report.errors = csvio.validate_rows(
            rows, clean=_row, unique="phone", key=lambda customer: customer.phone
        )
        if report.errors or dry_run:
            return report
        _lock_and_check_limit(adding=len(prepared))
        for values in prepared:
            customer = Customer.objects.create(**values.columns())
            _created(customer, actor)
        report.created = len(prepared)
    return report


def customer_export_csv(customers: Iterable[Customer], hidden: set[str]) -> str:
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
