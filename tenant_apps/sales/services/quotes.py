"""Writes of quotes: draft -> sent -> accepted | rejected | expired.

Accepting makes the order exactly once: the quote row is locked, its state re-read, and
the order's link is a one-to-one column, so a second accept -- at the same moment or
later -- finds the quote accepted and gets a conflict naming the order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import SYSTEM, Actor
from dockpulse.errors import StateConflict
from dockpulse.tenancy import tenant_atomic
from tenant_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.sales.models import DocumentType, Order, Quote, Source

from .common import apply_changes, store_lines
from .lines import LineInput, copy_lines
from .numbering import next_number, tenant_now
from .orders import ASSIGN_ACTOR, AssignedTo, OrderInput, assignee_id, order_create

Q = Quote.Status
DEFAULT_VALIDITY_DAYS = 30


@dataclass(frozen=True, slots=True)
class QuoteInput:
    """A new quote, cleaned (sales.inputs.quote_input)."""

    customer: Customer
    lines: tuple[LineInput, ...]
    assigned_to: AssignedTo = ASSIGN_ACTOR
    notes: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    valid_until: dt.date | None = None  # None: 30 days from today


class QuoteChanges(TypedDict, total=False):
    """What changes on a draft (sales.inputs.quote_changes); `lines` replaces them all."""

    customer: Customer
    assigned_to: User | None
    notes: str
    metadata: dict[str, Any]
    valid_until: dt.date
    lines: tuple[LineInput, ...]


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


def _emit(kind: str, quote: Quote, actor: Actor, **extra: Any) -> None:
    events.emit(
        event_type=kind,
        source_module="quotes",
        entity_type="quote",
        entity_id=quote.id,
        payload=quote_payload(quote, **extra),
        actor=actor,
    )


def quote_create(*, values: QuoteInput, actor: Actor) -> Quote:
    """A draft quote with its lines; valid for 30 days unless `valid_until` says otherwise."""
    valid_until = values.valid_until or tenant_today() + dt.timedelta(days=DEFAULT_VALIDITY_DAYS)
    with tenant_atomic():
        number = next_number(
            DocumentType.QUOTE, taken=lambda n: Quote.objects.filter(number=n).exists()
        )
        quote = Quote(
            number=number,
            status=Q.DRAFT,
            customer=values.customer,
            assigned_to_id=assignee_id(values.assigned_to, actor),
            notes=values.notes,
            metadata=values.metadata,
            valid_until=valid_until,
        )
        quote.save()
        store_lines(quote, values.lines)
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


def quote_update(*, quote: Quote, changes: QuoteChanges, actor: Actor) -> Quote:
    """Change a draft: header fields or all its lines."""
    header = {k: v for k, v in changes.items() if k != "lines"}
    with tenant_atomic():
        locked = _locked(quote)
        if locked.status != Q.DRAFT:
            raise _refuse(locked, _("Only a draft quote can be changed"))
        changed = apply_changes(locked, header, changes.get("lines"))
        if not changed:
            return locked
        _emit("entity.updated", locked, actor, changed=changed)
    return locked


def quote_send(*, quote: Quote, actor: Actor) -> Quote:
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


def quote_accept(*, quote: Quote, actor: Actor, source: str = Source.ADMIN) -> Quote:
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
        handler = locked.assigned_to
        order: Order = order_create(
            values=OrderInput(
                customer=locked.customer,
                # Lines copied as priced, not priced again from today's catalogue.
                lines=copy_lines(locked.lines.select_related("product")),
                # Whoever handled the quote, unless they have left since.
                assigned_to=handler if handler is not None and handler.is_active else None,
                notes=locked.notes,
                metadata={"quote_id": str(locked.id), "quote_number": locked.number},
            ),
            actor=actor,
            source=source,
        )
        locked.status, locked.accepted_at, locked.order = Q.ACCEPTED, timezone.now(), order
        locked.save(update_fields=["status", "accepted_at", "order", "updated_at"])
        _emit("quote.accepted", locked, actor, order_id=str(order.id), order_number=order.number)
    return locked


def quote_reject(*, quote: Quote, actor: Actor, reason: str = "") -> Quote:
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
            _emit("quote.expired", quote, SYSTEM)
            expired += 1
    return expired
