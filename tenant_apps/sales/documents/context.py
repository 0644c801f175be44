"""What the document template needs, read once: the tenant's company, the customer, the
lines with their products, the VAT summary and the words of the gross amount."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import prefetch_related_objects
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dockpulse.modules import field_policy
from dockpulse.tenancy import get_current_tenant
from tenant_apps.configuration.inputs import LOGO_CONTENT_TYPES, LOGO_MAX_BYTES
from tenant_apps.configuration.selectors import company_profile
from tenant_apps.customers.models import Customer
from tenant_apps.products.models import VatRate
from tenant_apps.sales.models import DocumentType, Order, Quote

from .words import amount_in_words

logger = logging.getLogger(__name__)

_RATE_ORDER = {rate: index for index, rate in enumerate(VatRate.values)}


@dataclass(frozen=True, slots=True)
class Party:
    """The seller or the buyer as the document prints them."""

    name: str
    company: str = ""
    nip: str = ""
    address: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""


@dataclass(slots=True)
class VatRow:
    rate: str
    label: str
    net: Decimal = Decimal(0)
    vat: Decimal = Decimal(0)
    gross: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Decision:
    """A quote's decision record, as the staff see it and the PDF prints it."""

    kind: str  # Quote.Status.ACCEPTED or REJECTED
    at: dt.datetime | None
    by: str
    via: str  # the channel in words ("Customer portal"), "" when not recorded
    ip: str
    user_agent: str
    checksum: str
    reason: str = ""  # a rejection's reason

    @property
    def accepted(self) -> bool:
        return self.kind == Quote.Status.ACCEPTED

    @property
    def checksum_short(self) -> str:
        """The first 12 hex digits: enough to tell two versions apart at a glance."""
        return self.checksum[:12]


def quote_decision(quote: Quote) -> Decision | None:
    """The record of an accepted or rejected quote; None while it is undecided."""
    if quote.status == Quote.Status.ACCEPTED:
        return Decision(
            kind=quote.status,
            at=quote.accepted_at,
            by=quote.accepted_by,
            via=quote.get_accepted_via_display() if quote.accepted_via else "",
            ip=quote.accepted_ip or "",
            user_agent=quote.accepted_user_agent,
            checksum=quote.accepted_checksum,
        )
    if quote.status == Quote.Status.REJECTED:
        return Decision(
            kind=quote.status,
            at=quote.rejected_at,
            by=quote.rejected_by,
            via=quote.get_rejected_via_display() if quote.rejected_via else "",
            ip=quote.rejected_ip or "",
            user_agent=quote.rejected_user_agent,
            checksum=quote.rejected_checksum,
            reason=quote.rejection_reason,
        )
    return None


def rate_label(rate: str) -> str:
    return "zw" if rate == VatRate.EXEMPT else f"{rate}%"


def vat_summary(lines: Iterable[Any]) -> list[VatRow]:
    """Net, VAT and gross per rate: sums of the lines' own rounded amounts, so the rows add
    up to the document's totals (services.lines rounds per line)."""
    rows: dict[str, VatRow] = {}
    for line in lines:
        row = rows.get(line.vat_rate)
        if row is None:
            label = str(VatRate.EXEMPT.label) if line.vat_rate == VatRate.EXEMPT else None
            row = rows[line.vat_rate] = VatRow(line.vat_rate, label or rate_label(line.vat_rate))
        row.net += line.total_net
        row.vat += line.total_vat
        row.gross += line.total_gross
    return sorted(rows.values(), key=lambda row: _RATE_ORDER.get(row.rate, len(_RATE_ORDER)))


# "999 999,99": the widest amount the fixed columns of document.css hold.
_FIXED_COLUMNS_LIMIT = Decimal("1000000")


def _fits_fixed_columns(lines: list[Any]) -> bool:
    return all(
        line.total_gross < _FIXED_COLUMNS_LIMIT and line.unit_price < _FIXED_COLUMNS_LIMIT
        for line in lines
    )


def _address(street: str, postal_code: str, city: str, country: str, home: str) -> tuple[str, ...]:
    place = " ".join(part for part in (postal_code, city) if part)
    # The country is printed only when it is not the seller's own.
    abroad = country if country and country != home else ""
    return tuple(part for part in (street, place, abroad) if part)


def logo_uri(name: str) -> str:
    """The logo from the tenant's storage as a data: URI ("" for none or unreadable): the
    renderer fetches nothing, so the image travels inside the HTML."""
    extension = name.rpartition(".")[2].lower()
    if not name or extension not in LOGO_CONTENT_TYPES:
        return ""
    try:
        with default_storage.open(name, "rb") as handle:
            content = handle.read(LOGO_MAX_BYTES + 1)
    except OSError:
        logger.warning("company logo %s is missing from the storage", name)
        return ""
    if len(content) > LOGO_MAX_BYTES:
        return ""
    encoded = base64.b64encode(content).decode("ascii")
    return f"data:{LOGO_CONTENT_TYPES[extension]};base64,{encoded}"


def css_string(text: str) -> str:
    """`text` as a CSS string literal, safe inside a stylesheet."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;-_/()%" else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def page_footer() -> SafeString:
    """The CSS `content` of the footer: "Page 1 of 2" in the active language."""
    marker = "\x00"
    text = _("Page %(page)s of %(pages)s") % {"page": marker + "page", "pages": marker + "pages"}
    parts: list[str] = []
    for chunk in text.split(marker):
        for counter in ("pages", "page"):
            if chunk.startswith(counter):
                parts.append(f"counter({counter})")
                chunk = chunk[len(counter) :]
                break
        if chunk:
            parts.append(css_string(chunk))
    return mark_safe(" ".join(parts))  # noqa: S308 (built from escaped CSS strings above)


def buyer_party(customer: Customer, *, home: str) -> Party:
    """The customer as their documents print them (and the portal shows them): what the
    tenant hides of its customers stays off their documents too."""
    hidden = field_policy().hidden_fields("customer")

    def shown(name: str, value: str) -> str:
        return "" if name in hidden else value

    return Party(
        name=customer.name,
        company=shown("company_name", customer.company_name),
        nip=shown("nip", customer.nip),
        address=()
        if "address" in hidden
        else _address(
            customer.address_street,
            customer.address_postal_code,
            customer.address_city,
            customer.address_country,
            home,
        ),
        email=shown("email", customer.email),
        phone=shown("phone", customer.phone),
    )


def document_context(document: Order | Quote, *, kind: str) -> dict[str, Any]:
    tenant = get_current_tenant()
    profile = company_profile()
    home = profile.country or "PL"
    lines = list(document.lines.all())
    # One query for the products' codes when the caller's lines came without them.
    prefetch_related_objects(lines, "product")
    customer = document.customer
    seller = Party(
        name=tenant.name,
        nip=profile.nip,
        address=_address(profile.street, profile.postal_code, profile.city, home, home),
        email=profile.email,
        phone=profile.phone,
    )
    buyer = buyer_party(customer, home=home)
    context: dict[str, Any] = {
        "kind": kind,
        "document": document,
        "title": _("Order") if kind == DocumentType.ORDER else _("Quote"),
        "language": tenant.language,
        "seller": seller,
        "parties": [(_("Seller"), seller), (_("Buyer"), buyer)],
        "logo": logo_uri(profile.logo),
        "lines": [(line, rate_label(line.vat_rate)) for line in lines],
        "vat_rows": vat_summary(lines),
        "fixed_columns": _fits_fixed_columns(lines),
        "in_words": amount_in_words(document.total_gross, tenant.language),
        "footer": page_footer(),
        "footer_number": mark_safe(css_string(document.number)),  # noqa: S308 (escaped)
        "handled_by": getattr(document.assigned_to, "name", "") if document.assigned_to_id else "",
    }
    if isinstance(document, Order):
        address = document.delivery_address or {}
        context["delivery_address"] = _address(
            str(address.get("street", "")),
            str(address.get("postal_code", "")),
            str(address.get("city", "")),
            str(address.get("country", "")),
            home,
        )
    if isinstance(document, Quote):
        # The acceptance (or rejection) record, with the checksum of what was decided on.
        context["decision"] = quote_decision(document)
    return context
