"""Writes of quotes: draft -> sent -> accepted | rejected | expired.

Accepting makes the order exactly once: the quote row is locked, its state re-read, and
the order's link is a one-to-one column, so a second accept -- at the same moment or
later -- finds the quote accepted and gets a conflict naming the order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.errors import StateConflict
from dockpulse.tenancy import tenant_atomic
from tenant_apps.sales.models import DocumentType, Order, Quote, Source

from . import lines as line_rules
from .common import actor_type, apply_changes, clean_header, store_lines
from .numbering import next_number, tenant_now
from .orders import order_create

Q = Quote.Status
DEFAULT_VALIDITY_DAYS = 30
HEADER_FIELDS = {"customer", "assigned_to", "notes", "metadata", "valid_until"}


def tenant_today() -> dt.date:
    return tenant_now().date()


def quote_payload(quote: Quote, **extra: Any) -> dict[str, Any]:
    customer = quote.customer
    return {
        "number": quote.number, "status": quote.status,
        "customer_id": str(customer.id), "customer_name": customer.name,
        "customer_phone": customer.phone, "customer_email": customer.email,
        "total_net": str(quote.total_net), "total_vat": str(quote.total_vat),
        "total_gross": str(quote.total_gross), "valid_until": quote.valid_until.isoformat(),
        **extra,
    }  # fmt: skip


def _emit(kind: str, quote: Quote, actor: Any, **extra: Any) -> None:
    events.emit(
        event_type=kind,
        source_module="quotes",
        entity_type="quote",
        entity_id=quote.id,
        payload=quote_payload(quote, **extra),
        actor=actor,
    )


def _check_valid_until(header: dict[str, Any]) -> None:
    if "valid_until" in header and header["valid_until"] < tenant_today():
        raise ValidationError({"valid_until": [_("The date cannot be in the past.")]})


def quote_create(*, data: dict[str, Any], actor: Any = None) -> Quote:
    """A draft quote with its lines; valid for 30 days unless `valid_until` says otherwise."""
    errors: dict[str, list[str]] = {}
    header: dict[str, Any] = {}
    cleaned_lines: list[dict[str, Any]] = []
    try:
        header = clean_header(data, allowed=HEADER_FIELDS)
        _check_valid_until(header)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "customer" not in data:
        errors["customer"] = [_("This field is required.")]
    try:
        cleaned_lines = line_rules.clean_lines(data.get("lines"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    header.setdefault("valid_until", tenant_today() + dt.timedelta(days=DEFAULT_VALIDITY_DAYS))
    if actor_type(actor) == "staff" and "assigned_to" not in header:
        header["assigned_to"] = actor
    with tenant_atomic():
        number = next_number(
            DocumentType.QUOTE, taken=lambda n: Quote.objects.filter(number=n).exists()
        )
        quote = Quote(number=number, status=Q.DRAFT, **header)
        quote.save()
        store_lines(quote, cleaned_lines)
        quote.save(update_fields=["total_net", "total_vat", "total_gross"])
        _emit("quote.created", quote, actor)
    return quote


def _locked(quote: Quote) -> Quote:
    return (
        Quote.objects.select_for_update(of=("self",))
        .select_related("customer", "order", "assigned_to")
        .get(pk=quote.pk)
    )


def _refuse(quote: Quote, rule: str) -> StateConflict:
    """`rule` says which state the action needs, e.g. "Only a sent quote can be accepted"."""
    if quote.status == Q.ACCEPTED and quote.order is not None:
        message = _("This quote was already accepted as order %(number)s.") % {
            "number": quote.order.number
        }
    else:
        message = _("%(rule)s; this one is %(status)s.") % {
            "rule": rule,
            "status": quote.get_status_display(),
        }
    extra = {"order": str(quote.order_id)} if quote.order_id else {}
    return StateConflict(message, code="invalid_transition", status=quote.status, **extra)


def quote_update(*, quote: Quote, data: dict[str, Any], actor: Any = None) -> Quote:
    """Change a draft: header fields or all its lines."""
    header = clean_header(data, allowed=HEADER_FIELDS)
    _check_valid_until(header)
    cleaned_lines = line_rules.clean_lines(data["lines"]) if "lines" in data else None
    with tenant_atomic():
        locked = _locked(quote)
        if locked.status != Q.DRAFT:
            raise _refuse(locked, _("Only a draft quote can be changed"))
        changed = apply_changes(locked, header, cleaned_lines)
        if not changed:
            return locked
        _emit("entity.updated", locked, actor, changed=changed)
    return locked


def quote_send(*, quote: Quote, actor: Any = None) -> Quote:
    with tenant_atomic():
        locked = _locked(quote)
        if locked.status != Q.DRAFT:
            raise _refuse(locked, _("Only a draft quote can be sent"))
        if locked.valid_until < tenant_today():
            raise StateConflict(
                _("The quote's validity date has passed; change it before sending."),
                code="quote_expired",
            )
        locked.status, locked.sent_at = Q.SENT, timezone.now()
        locked.save(update_fields=["status", "sent_at", "updated_at"])
        _emit("quote.sent", locked, actor)
    return locked


def quote_accept(*, quote: Quote, actor: Any = None, source: str = Source.ADMIN) -> Quote:
    """Accept a sent quote and create its order (lines copied as priced), exactly once."""
    with tenant_atomic():
        locked = _locked(quote)
        if locked.status != Q.SENT:
            raise _refuse(locked, _("Only a sent quote can be accepted"))
        if locked.valid_until < tenant_today():
            raise StateConflict(
                _("This quote expired on %(date)s.") % {"date": locked.valid_until.isoformat()},
                code="quote_expired",
            )
        order: Order = order_create(
            data={
                "customer": locked.customer_id,
                # Whoever handled the quote, unless they have left since.
                "assigned_to": locked.assigned_to_id
                if locked.assigned_to is not None and locked.assigned_to.is_active
                else None,
                "notes": locked.notes,
                "metadata": {"quote_id": str(locked.id), "quote_number": locked.number},
            },
            actor=actor,
            source=source,
            prepared_lines=line_rules.copy_lines(locked.lines.select_related("product")),
        )
        locked.status, locked.accepted_at, locked.order = Q.ACCEPTED, timezone.now(), order
        locked.save(update_fields=["status", "accepted_at", "order", "updated_at"])
        _emit("quote.accepted", locked, actor, order_id=str(order.id), order_number=order.number)
    return locked


def quote_reject(*, quote: Quote, actor: Any = None, reason: str = "") -> Quote:
    reason = (reason or "").strip()
    with tenant_atomic():
        locked = _locked(quote)
        if locked.status != Q.SENT:
            raise _refuse(locked, _("Only a sent quote can be rejected"))
        locked.status, locked.rejected_at = Q.REJECTED, timezone.now()
        locked.rejection_reason = reason
        locked.save(update_fields=["status", "rejected_at", "rejection_reason", "updated_at"])
        _emit("quote.rejected", locked, actor, reason=reason)
    return locked


def quotes_expire(*, today: dt.date | None = None) -> int:
    """Expire the sent quotes whose `valid_until` has passed (beat calls this every hour).

    Quotes being accepted right now are skipped (SKIP LOCKED) and looked at next time.
    """
    today = today or tenant_today()
    expired = 0
    with tenant_atomic():
        due = (
            Quote.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .filter(status=Q.SENT, valid_until__lt=today)
            .order_by("pk")
        )
        for quote in due:
            quote.status = Q.EXPIRED
            quote.save(update_fields=["status", "updated_at"])
            _emit("quote.expired", quote, None)
            expired += 1
    return expired
