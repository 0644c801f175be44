"""Writes of the messages domain: a message sent in a customer's thread, a thread read.

Staff write from the panel, the customer from the portal; the actor says which side a
message is from. Each message sends one event: `portal.message_sent` (the customer wrote:
a trigger may put it in the staff's inbox) or `message.staff_replied` (the staff wrote: a
trigger may announce it to the customer by SMS or e-mail).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import Actor
from dockpulse.api.permissions import allowed
from dockpulse.errors import NotPermitted
from dockpulse.tenancy import current_tenant, tenant_atomic
from tenant_apps.customers.models import Customer

from .inputs import message_body
from .models import Author, Message

EXCERPT_LENGTH = 140
RESOURCE = "messages"


def _author(customer: Customer, actor: Actor) -> str:
    """The side `actor` writes for in `customer`'s thread; NotPermitted if neither."""
    if actor.is_staff:
        if not allowed(actor.role or "", RESOURCE, "write"):
            raise NotPermitted(_("Your role does not allow writing to customers."))
        return Author.STAFF
    if actor.is_customer:
        # A customer writes in their own thread only, and only while they may use the portal.
        if actor.id != customer.pk or not customer.is_portal_active:
            raise NotPermitted(_("You can write only in your own thread."))
        return Author.CUSTOMER
    raise NotPermitted(_("Only the staff and the customer write in a customer's thread."))


def excerpt(text: str) -> str:
    """The start of a message on one line: what an inbox entry or an SMS quotes."""
    return Truncator(" ".join(text.split())).chars(EXCERPT_LENGTH)


def _portal_url() -> str:
    tenant = current_tenant()
    slug = tenant.slug if tenant is not None else ""
    return f"https://{slug}.{settings.BASE_DOMAIN}/portal/"


def _payload(message: Message, customer: Customer) -> dict[str, Any]:
    # The customer's contacts travel with the event, as on orders: a trigger "to the
    # customer" reads them from here (tenant_apps/notifications/services/firing.py).
    return {
        "customer_id": customer.pk,
        "customer_name": customer.name,
        "customer_phone": customer.phone,
        "customer_email": customer.email,
        "message_id": message.pk,
        "author_name": message.author_name,
        "excerpt": excerpt(message.body),
    }


def message_send(*, customer: Customer, body: str, actor: Actor) -> Message:
    """A message in `customer`'s thread from the actor's side; its event is sent with it.

    ValidationError on `body` (empty, too long); NotPermitted for an actor who may not
    write here. Sending marks the other side's messages read: whoever answers has the
    thread in front of them."""
    author = _author(customer, actor)
    text = message_body(body)
    now = timezone.now()
    with tenant_atomic():
        message = Message.objects.create(
            customer=customer,
            author_kind=author,
            author_user_id=actor.id if author == Author.STAFF else None,
            author_name=(actor.label or "")[:255] if author == Author.STAFF else customer.name,
            body=text,
            created_at=now,
        )
        _mark_read(customer, author, now)
        payload = _payload(message, customer)
        if author == Author.STAFF:
            payload["portal_url"] = _portal_url()
        events.emit(
            event_type=(
                "message.staff_replied" if author == Author.STAFF else "portal.message_sent"
            ),
            source_module="messaging",
            entity_type="message",
            entity_id=message.pk,
            payload=payload,
            actor=actor,
        )
    return message


def _mark_read(customer: Customer, reader: str, now: Any) -> int:
    if reader == Author.STAFF:
        unread = Message.objects.filter(
            customer=customer, author_kind=Author.CUSTOMER, read_by_staff_at__isnull=True
        )
        return unread.update(read_by_staff_at=now)
    unread = Message.objects.filter(
        customer=customer, author_kind=Author.STAFF, read_by_customer_at__isnull=True
    )
    return unread.update(read_by_customer_at=now)


def messages_mark_read(*, customer: Customer, actor: Actor) -> int:
    """The other side's messages in `customer`'s thread read by the actor's side (staff:
    the customer's; the customer: the staff's); how many were unread.

    No event: reading changes no business fact, and every opened thread would fill the
    log. NotPermitted for a customer reading another customer's thread."""
    if actor.is_staff:
        reader = Author.STAFF
    elif actor.is_customer and actor.id == customer.pk:
        reader = Author.CUSTOMER
    else:
        raise NotPermitted(_("Only the staff and the customer read a customer's thread."))
    with tenant_atomic():
        return _mark_read(customer, reader, timezone.now())
