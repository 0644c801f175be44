"""What orders and quotes share: lines written with their totals, header changes, the
customer's address as a default, and who the history records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse.actors import Actor
from tenant_apps.customers.models import Customer

from .lines import MAX_TOTAL, LineInput, document_amounts, line_rows

ADDRESS_KEYS = ("street", "postal_code", "city", "country")


def recorded_name(actor: Actor) -> str:
    """The history's `actor_name`: the person's name; blank for the system, as it always was."""
    return "" if actor.is_system else actor.label


def customer_address(customer: Customer) -> dict[str, str]:
    address = {
        "street": customer.address_street,
        "postal_code": customer.address_postal_code,
        "city": customer.address_city,
        "country": customer.address_country,
    }
    return {key: value for key, value in address.items() if value}


def store_lines(document: Any, lines: Sequence[LineInput]) -> list[Any]:
    """Write a document's lines and set its totals (saved by the caller)."""
    amounts = document_amounts(lines)
    if amounts.gross >= MAX_TOTAL:
        # numeric(14, 2) would overflow; sales.inputs names this before anything is written.
        raise ValidationError({"lines": [_("The document's total is too large.")]})
    relation = document.lines
    rows = relation.model.objects.bulk_create(
        relation.model(**{relation.field.name: document}, **row) for row in line_rows(lines)
    )
    document.total_net, document.total_vat = amounts.net, amounts.vat
    document.total_gross = amounts.gross
    return list(rows)


def apply_changes(
    document: Any, header: Mapping[str, Any], lines: Sequence[LineInput] | None
) -> list[str]:
    """Set the header fields that change and replace all lines if given; save. The names
    of what changed, sorted (empty: nothing did, nothing was written)."""
    changed = sorted(k for k, v in header.items() if getattr(document, k) != v)
    for key in changed:
        setattr(document, key, header[key])
    if lines is not None:
        document.lines.all().delete()
        store_lines(document, lines)
        changed = sorted({*changed, "lines", "total_net", "total_vat", "total_gross"})
    if changed:
        document.save()
    return changed
