"""The checksum of a quote as its customer sees it: what a decision on it is bound to.

SHA-256 (hex) over a canonical JSON of what the portal page and the PDF show the customer:
the number, the dates, the customer's data as the document prints it (what the tenant hides
is left out there and here), every line (description, product code, quantity, unit, unit
price, discount, VAT rate, its amounts), the totals, the currency and the notes.

Not in it: the status, the sending, the decision and the order -- they change by deciding,
and the checksum must say the same before and after. The portal page carries it in the
accept and reject forms; the services recompute it under the quote's row lock and refuse a
decision on a quote that no longer shows what the customer read ("reload"), then store it
with the decision.

`CANONICAL_VERSION` is part of the hashed text: a later change of what is hashed gets a
new version, so a stored checksum stays explainable.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db.models import prefetch_related_objects

from dockpulse.tenancy import get_current_tenant
from tenant_apps.configuration.selectors import company_profile
from tenant_apps.sales.models import Quote

from .context import buyer_party

CANONICAL_VERSION = 1


def _amount(value: Decimal, places: int) -> str:
    return f"{Decimal(value):.{places}f}"


def quote_canonical(quote: Quote) -> dict[str, Any]:
    """What the checksum is computed over, as plain JSON values (strings for amounts)."""
    tenant = get_current_tenant()
    lines = list(quote.lines.all())
    prefetch_related_objects(lines, "product")
    buyer = buyer_party(quote.customer, home=company_profile().country or "PL")
    return {
        "v": CANONICAL_VERSION,
        "number": quote.number,
        "issued_at": quote.created_at.isoformat(),
        "valid_until": quote.valid_until.isoformat(),
        "currency": tenant.currency,
        "customer": {
            "name": buyer.name,
            "company": buyer.company,
            "nip": buyer.nip,
            "address": list(buyer.address),
            "email": buyer.email,
            "phone": buyer.phone,
        },
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "sku": line.product.code if line.product is not None else "",
                "quantity": _amount(line.quantity, 3),
                "unit": line.unit,
                "unit_price": _amount(line.unit_price, 2),
                "discount": _amount(line.discount, 2),
                "vat_rate": line.vat_rate,
                "total_net": _amount(line.total_net, 2),
                "total_vat": _amount(line.total_vat, 2),
                "total_gross": _amount(line.total_gross, 2),
            }
            for line in sorted(lines, key=lambda line: line.position)
        ],
        "total_net": _amount(quote.total_net, 2),
        "total_vat": _amount(quote.total_vat, 2),
        "total_gross": _amount(quote.total_gross, 2),
        "notes": quote.notes,
    }


def quote_checksum(quote: Quote) -> str:
    """64 hex digits; the same quote always gives the same value (keys sorted, no
    whitespace, UTF-8)."""
    text = json.dumps(
        quote_canonical(quote), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
