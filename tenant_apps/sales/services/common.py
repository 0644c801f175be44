"""Header fields shared by orders and quotes, and who the actor is."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenant_apps.accounts.models import User
from tenant_apps.customers.models import Customer

ADDRESS_KEYS = ("street", "postal_code", "city", "country")


def actor_type(actor: Any) -> str:
    if actor is None:
        return "system"
    return "customer" if isinstance(actor, Customer) else "staff"


def actor_role(actor: Any) -> str:
    """`system`, `customer`, or the staff user's role."""
    kind = actor_type(actor)
    return str(actor.role) if kind == "staff" else kind


def actor_name(actor: Any) -> str:
    if actor is None:
        return ""
    return str(getattr(actor, "name", "") or getattr(actor, "email", ""))


def _uuid(raw: Any) -> uuid.UUID:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except ValueError as exc:
        raise ValidationError(_("Enter a valid id.")) from exc


def clean_header(data: dict[str, Any], *, allowed: set[str]) -> dict[str, Any]:
    """customer, assigned_to, notes, metadata, delivery_date/address, valid_until."""
    errors: dict[str, list[str]] = {
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
    if errors:
        raise ValidationError(errors)
    return cleaned


def customer_address(customer: Customer) -> dict[str, str]:
    address = {
        "street": customer.address_street,
        "postal_code": customer.address_postal_code,
        "city": customer.address_city,
        "country": customer.address_country,
    }
    return {key: value for key, value in address.items() if value}


def merge_errors(*parts: ValidationError | None) -> None:
    errors: dict[str, list[str]] = {}
    for part in parts:
        if part is not None:
            errors.update(part.message_dict)
    if errors:
        raise ValidationError(errors)


def store_lines(document: Any, cleaned: list[dict[str, Any]]) -> list[Any]:
    """Write a document's checked lines and set its totals (saved by the caller)."""
    from . import lines as line_rules

    relation = document.lines
    rows = relation.model.objects.bulk_create(
        relation.model(**{relation.field.name: document}, **line) for line in cleaned
    )
    amounts = line_rules.document_amounts(cleaned)
    document.total_net, document.total_vat = amounts.net, amounts.vat
    document.total_gross = amounts.gross
    return list(rows)


def apply_changes(
    document: Any, header: dict[str, Any], cleaned_lines: list[dict[str, Any]] | None
) -> list[str]:
    """Set the header fields that change and replace all lines if given; save. The names
    of what changed, sorted (empty: nothing did, nothing was written)."""
    changed = sorted(k for k, v in header.items() if getattr(document, k) != v)
    for key in changed:
        setattr(document, key, header[key])
    if cleaned_lines is not None:
        document.lines.all().delete()
        store_lines(document, cleaned_lines)
        changed = sorted({*changed, "lines", "total_net", "total_vat", "total_gross"})
    if changed:
        document.save()
    return changed
