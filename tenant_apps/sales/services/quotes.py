"""Writes of quotes: draft -> sent -> accepted | rejected | expired; an accepted quote
becomes one order.

Sending e-mails the customer the quote with its PDF. Accepting or rejecting records the
decision (when, by whom, through what, from where, with which browser, and the checksum of
the quote as it was shown: sales.documents.checksum); accepting, by default, makes the
order too; the panel accepts and converts in two steps. The order is made exactly once: the
quote row is locked, its state re-read, and the order's link is a one-to-one column, so a
second accept or convert -- at the same moment or later -- gets a conflict naming the order.

A customer (the portal) decides only on their own quote, while their portal access is on
and the quote is still valid, presenting the checksum of the version they read; a
rejection from them needs a reason. Their acceptance also sends `portal.quote_accepted`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import SYSTEM, Actor
from dockpulse.errors import NotFound, NotPermitted, StateConflict
from dockpulse.notify.base import SendError
from dockpulse.notify.email import send_email
from dockpulse.tenancy import current_tenant, tenant_atomic, tenant_today
from tenant_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.sales.documents import PdfUnavailable, pdf_filename, quote_pdf
from tenant_apps.sales.documents.checksum import quote_checksum
from tenant_apps.sales.models import USER_AGENT_MAX_LENGTH, DocumentType, Order, Quote, Source

from .common import apply_changes, store_lines
from .lines import LineInput, copy_lines
from .numbering import next_number
from .orders import ASSIGN_ACTOR, AssignedTo, OrderInput, assignee_id, order_create

Q = Quote.Status
DEFAULT_VALIDITY_DAYS = 30
REASON_MAX_LENGTH = 2000


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
    locked = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("customer", "order", "assigned_to")
        .get(pk=quote.pk)
    )
    if locked.order_id is not None and locked.order is None:
        # Waiting for the lock, PostgreSQL re-reads the quote's row but not the joined
        # order's: an order made by whoever held the lock is not in the join yet.
        locked.order = Order.objects.get(pk=locked.order_id)
    return locked


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


@dataclass(frozen=True, slots=True)
class QuoteSent:
    """What `quote_send` did: the quote (now sent) and what became of its e-mail."""

    quote: Quote
    # The address the quote went to; blank when it was not e-mailed (see `not_emailed`).
    emailed_to: str = ""
    # Why it was not e-mailed (the customer has no address), in words; blank when it was.
    not_emailed: str = ""
    # Why the PDF is not attached (the PDF library is missing), in words; blank when it is.
    pdf_missing: str = ""


def quote_send(*, quote: Quote, actor: Actor, email: bool = True) -> QuoteSent:
    """Mark a draft sent and e-mail the customer the quote with its PDF.

    The e-mail goes last, inside the transaction: if the mail server refuses it nothing
    changes (StateConflict "email_not_sent"). A customer without an e-mail address gets
    no mail, yet the quote is sent (staff hand it over otherwise); `not_emailed` says so.
    `email=False` (demo data) marks it sent without a mail.
    """
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
        if not email:
            return QuoteSent(quote=locked)
        outcome = _email_quote(locked)
    return outcome


def _tenant_language() -> str:
    tenant = current_tenant()
    return tenant.language if tenant is not None else settings.LANGUAGE_CODE


def _email_quote(quote: Quote) -> QuoteSent:
    """E-mail the sent quote to its customer, in the tenant's language, PDF attached."""
    customer = quote.customer
    if not customer.email:
        return QuoteSent(
            quote=quote,
            not_emailed=_("%(name)s has no e-mail address: the quote was not e-mailed.")
            % {"name": customer.name},
        )
    attachments: list[tuple[str, bytes, str]] = []
    pdf_missing = ""
    try:
        attachments.append((pdf_filename(quote), quote_pdf(quote), "application/pdf"))
    except PdfUnavailable as exc:
        pdf_missing = _("The e-mail went without the PDF: %(reason)s") % {"reason": str(exc)}
    tenant = current_tenant()
    handler = quote.assigned_to
    context = {
        "quote": quote,
        "customer": customer,
        "company": tenant.name if tenant is not None else "DockPulse",
        "handler": handler.get_full_name() if handler is not None else "",
        "pdf_attached": bool(attachments),
    }
    with translation.override(_tenant_language()):
        subject = render_to_string("sales/email/quote_sent_subject.txt", context)
        body = render_to_string("sales/email/quote_sent_email.txt", context)
        html = render_to_string("sales/email/quote_sent_email.html", context)
    try:
        send_email(
            to=[customer.email],
            subject=subject,
            body=body,
            html=html,
            # Replies reach whoever handles the quote, not the no-reply sender.
            reply_to=[handler.email] if handler is not None and handler.email else None,
            attachments=attachments,
            idempotency_key=f"quote-sent-{quote.id}-{uuid.uuid4()}",
        )
    except SendError as exc:
        raise StateConflict(
            _("The quote could not be e-mailed to %(email)s, so it was not sent; try again later.")
            % {"email": customer.email},
            code="email_not_sent",
        ) from exc
    return QuoteSent(quote=quote, emailed_to=customer.email, pdf_missing=pdf_missing)


def _decided_by(actor: Actor, customer: Customer) -> str:
    """Who decided, as the record keeps it: the customer themself, or the staff member
    who recorded it for them (in the tenant's language: the PDF prints it)."""
    if actor.is_customer or not actor.label:
        return actor.label or customer.name
    if actor.is_system:
        return actor.label
    with translation.override(_tenant_language()):
        return _("%(staff)s on behalf of %(customer)s") % {
            "staff": actor.label,
            "customer": customer.name,
        }


def _user_agent(value: str) -> str:
    """The User-Agent header as the record keeps it: printable, one line, at most
    USER_AGENT_MAX_LENGTH characters (a header is the client's to fill)."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in value or "")
    return " ".join(cleaned.split())[:USER_AGENT_MAX_LENGTH]


def _checked(locked: Quote, actor: Actor, checksum: str, *, deciding: str) -> str:
    """The checksum of the locked quote as it is now, after the decider's checks.

    A customer decides only on their own quote (another's is not there for them), while
    their portal access is on and the quote is valid, and must present the checksum of
    the version they read. Staff need not present one; when anyone does, it must match:
    the record then holds what the decider saw, not what the quote became meanwhile."""
    if actor.is_customer:
        if locked.customer_id != actor.id:
            raise NotFound(_("No such quote."))
        if not locked.customer.is_portal_active:
            raise NotPermitted(_("Your portal access is turned off."))
    if locked.status != Q.SENT:
        rule = _("Only a sent quote can be accepted") if deciding == "accept" else None
        raise _refuse(locked, rule or _("Only a sent quote can be rejected"))
    if (deciding == "accept" or actor.is_customer) and locked.valid_until < tenant_today():
        raise StateConflict(
            _("This quote expired on %(date)s.")
            % {"date": formats.date_format(locked.valid_until, "SHORT_DATE_FORMAT")},
            code="quote_expired",
            valid_until=locked.valid_until.isoformat(),
        )
    current = quote_checksum(locked)
    if actor.is_customer and not checksum:
        raise ValidationError(
            {"checksum": _("The quote's checksum is missing; reload the quote and decide again.")}
        )
    if checksum and checksum.strip().lower() != current:
        raise StateConflict(
            _("The quote changed since you opened it; reload it and check it again."),
            code="quote_changed",
            checksum=current,
        )
    return current


def quote_accept(
    *,
    quote: Quote,
    actor: Actor,
    source: str = Source.ADMIN,
    ip: str | None = None,
    convert: bool = True,
    user_agent: str = "",
    checksum: str = "",
) -> Quote:
    """Accept a sent quote: record when, by whom, through what, from where and with which
    browser, and the checksum of the quote as accepted (`checksum`, when given, must be
    the quote's current one: StateConflict "quote_changed"); with `convert` (the API's and
    the portal's way) also create its order, in one transaction. A customer's acceptance
    also sends `portal.quote_accepted`."""
    with tenant_atomic():
        locked = _locked(quote)
        current = _checked(locked, actor, checksum, deciding="accept")
        locked.status, locked.accepted_at = Q.ACCEPTED, timezone.now()
        locked.accepted_by = _decided_by(actor, locked.customer)[:255]
        locked.accepted_via, locked.accepted_ip = source, ip or None
        locked.accepted_user_agent = _user_agent(user_agent)
        locked.accepted_checksum = current
        fields = [
            "status", "accepted_at", "accepted_by", "accepted_via", "accepted_ip",
            "accepted_user_agent", "accepted_checksum",
        ]  # fmt: skip
        extra: dict[str, Any] = {}
        if convert:
            order = _make_order(locked, actor, source)
            locked.order = order
            fields.append("order")
            extra = {"order_id": str(order.id), "order_number": order.number}
        locked.save(update_fields=[*fields, "updated_at"])
        record = {"accepted_by": locked.accepted_by, "accepted_via": source, "checksum": current}
        _emit("quote.accepted", locked, actor, **record, **extra)
        if actor.is_customer:
            events.emit(
                event_type="portal.quote_accepted",
                source_module="portal",
                entity_type="quote",
                entity_id=locked.id,
                payload=quote_payload(locked, **record, **extra),
                actor=actor,
            )
    return locked


def quote_convert(*, quote: Quote, actor: Actor, source: str = Source.ADMIN) -> Order:
    """The order of an accepted quote, made once: a second call (a double click, another
    tab) gets StateConflict "already_converted" naming the order it made."""
    with tenant_atomic():
        locked = _locked(quote)
        existing = locked.order  # loaded by _locked even when just made by another call
        if existing is not None:
            raise StateConflict(
                _("This quote was already converted to order %(number)s.")
                % {"number": existing.number},
                code="already_converted",
                order=str(existing.pk),
                order_number=existing.number,
            )
        if locked.status != Q.ACCEPTED:
            raise _refuse(locked, _("Only an accepted quote can be converted to an order"))
        order = _make_order(locked, actor, source)
        locked.order = order
        locked.save(update_fields=["order", "updated_at"])
        _emit(
            "entity.updated", locked, actor,
            changed=["order"], order_id=str(order.id), order_number=order.number,
        )  # fmt: skip
    return order


def _make_order(quote: Quote, actor: Actor, source: str) -> Order:
    handler = quote.assigned_to
    order: Order = order_create(
        values=OrderInput(
            customer=quote.customer,
            # Lines copied as priced, not priced again from today's catalogue.
            lines=copy_lines(quote.lines.select_related("product")),
            # Whoever handled the quote, unless they have left since.
            assigned_to=handler if handler is not None and handler.is_active else None,
            notes=quote.notes,
            metadata={"quote_id": str(quote.id), "quote_number": quote.number},
        ),
        actor=actor,
        source=source,
    )
    return order


def _reason(reason: str, actor: Actor) -> str:
    text = (reason or "").replace("\r\n", "\n").strip()
    if actor.is_customer and not text:
        raise ValidationError({"reason": _("Tell us why you reject the quote.")})
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("A reason may have at most %(limit)d characters; this one has %(n)d.")
                % {"limit": REASON_MAX_LENGTH, "n": len(text)}
            }
        )
    return text


def quote_reject(
    *,
    quote: Quote,
    actor: Actor,
    reason: str = "",
    source: str = Source.ADMIN,
    ip: str | None = None,
    user_agent: str = "",
    checksum: str = "",
) -> Quote:
    """Reject a sent quote, with the same record as an acceptance and the reason the
    staff then read (required from a customer)."""
    text = _reason(reason, actor)
    with tenant_atomic():
        locked = _locked(quote)
        current = _checked(locked, actor, checksum, deciding="reject")
        locked.status, locked.rejected_at = Q.REJECTED, timezone.now()
        locked.rejection_reason = text
        locked.rejected_by = _decided_by(actor, locked.customer)[:255]
        locked.rejected_via, locked.rejected_ip = source, ip or None
        locked.rejected_user_agent = _user_agent(user_agent)
        locked.rejected_checksum = current
        locked.save(
            update_fields=[
                "status", "rejected_at", "rejection_reason", "rejected_by", "rejected_via",
                "rejected_ip", "rejected_user_agent", "rejected_checksum", "updated_at",
            ]
        )  # fmt: skip
        _emit(
            "quote.rejected", locked, actor,
            reason=text, rejected_by=locked.rejected_by, rejected_via=source, checksum=current,
        )  # fmt: skip
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
