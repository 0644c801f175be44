"""Firing triggers for events: whom each enabled trigger messages, and its delivery rows."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dockpulse.events.delivery import stale_after
from dockpulse.events.models import EventLog
from dockpulse.tenancy import get_current_tenant, tenant_on_commit
from tenant_apps.accounts.models import Role, User
from tenant_apps.notifications.models import (
    ActionType,
    Notification,
    NotificationDelivery,
    WorkflowTrigger,
)

from .queueing import queue_send

logger = logging.getLogger("dockpulse.notifications")

D = NotificationDelivery.Status


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    user_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None


def _recipients(trigger: WorkflowTrigger, event: EventLog) -> tuple[list[Recipient], str]:
    """Whom `trigger` messages for `event`, and when nobody, why (in the active language;
    the delivery log shows it to the tenant's staff)."""
    channel, config, payload = trigger.action_type, trigger.action_config, event.payload
    if channel == ActionType.WEBHOOK:
        return [Recipient(address=str(config.get("url", "")))], ""
    to = config.get("to")
    if isinstance(to, list):
        found = [Recipient(address=str(a)) for a in to]
        return found, "" if found else _("No recipient: the trigger's list of addresses is empty.")
    if to in ("admins", "staff"):
        users = User.objects.filter(is_active=True).order_by("email")
        if to == "admins":
            users = users.filter(role=Role.ADMIN)
        if channel == ActionType.PUSH:
            found = [Recipient(address=f"user:{u.pk}", user_id=u.pk) for u in users]
            nobody = (
                _("No recipient: there is no active administrator.")
                if to == "admins"
                else _("No recipient: there is no active staff user.")
            )
            return found, "" if found else nobody
        field = "phone" if channel == ActionType.SMS else "email"
        found = [Recipient(address=getattr(u, field)) for u in users if getattr(u, field)]
        nobody = {
            ("admins", "phone"): _("No recipient: no active administrator has a phone number."),
            ("admins", "email"): _("No recipient: no active administrator has an e-mail address."),
            ("staff", "phone"): _("No recipient: no active staff user has a phone number."),
            ("staff", "email"): _("No recipient: no active staff user has an e-mail address."),
        }[(to, field)]
        return found, "" if found else nobody
    if to == "customer":
        if event.entity_type == "customer" and event.entity_id:
            # Events about the customer themself carry no customer_* keys: read the record.
            from tenant_apps.customers.models import Customer

            customer = Customer.objects.filter(pk=event.entity_id).first()
            if customer is None:
                return [], _("No recipient: the customer no longer exists.")
            payload = {"customer_id": str(customer.pk), "customer_phone": customer.phone,
                       "customer_email": customer.email}  # fmt: skip
        if not payload.get("customer_id"):
            return [], _("No recipient: the event names no customer.")
        if channel == ActionType.PUSH:
            raw = payload["customer_id"]
            return [Recipient(address=f"customer:{raw}", customer_id=uuid.UUID(str(raw)))], ""
        if channel == ActionType.SMS:
            address, nobody = (
                payload.get("customer_phone"),
                _("No recipient: the customer has no phone number."),
            )
        else:
            address, nobody = (
                payload.get("customer_email"),
                _("No recipient: the customer has no e-mail address."),
            )
        return ([Recipient(address=str(address))], "") if address else ([], nobody)
    return [], _('No recipient: the trigger\'s "to" setting names nobody.')


def triggers_fire(*, events: list[EventLog]) -> list[NotificationDelivery]:
    """Write the deliveries of every enabled trigger for `events`; push ones are stored
    in-app at once, the rest are sent by tasks queued on commit. Returns the new rows."""
    from dockpulse.notify.templates import render_message

    by_type: dict[str, list[WorkflowTrigger]] = {}
    for trigger in WorkflowTrigger.objects.filter(
        event_type__in={e.event_type for e in events}, is_enabled=True
    ):
        by_type.setdefault(trigger.event_type, []).append(trigger)
    if not by_type:
        return []
    tenant = get_current_tenant()
    now = timezone.now()
    rows: list[NotificationDelivery] = []
    push: dict[uuid.UUID, Recipient] = {}
    events_by_id = {e.pk: e for e in events}
    fixed: dict[uuid.UUID, tuple[list[Recipient], str]] = {}
    for event, trigger in ((e, t) for e in events for t in by_type.get(e.event_type, [])):
        # The reasons are read by the tenant's staff, whatever language the worker speaks.
        with translation.override(tenant.language):
            # Who "admins" or "staff" are does not change within one batch: ask once.
            if trigger.action_config.get("to") == "customer":
                recipients, nobody = _recipients(trigger, event)
            else:
                if trigger.id not in fixed:
                    fixed[trigger.id] = _recipients(trigger, event)
                recipients, nobody = fixed[trigger.id]
        if not recipients:
            logger.info("trigger %s: %s (event %s)", trigger.code, nobody, event.event_id)
            # A row of its own, so the delivery log says why nothing was sent. Its empty
            # recipient keeps the unique key (event, trigger, channel, recipient): a replay
            # finds the row and adds none. Never queued: the sweep takes only open rows.
            rows.append(
                NotificationDelivery(
                    trigger=trigger,
                    event=event,
                    channel=trigger.action_type,
                    recipient="",
                    status=D.SKIPPED,
                    last_error=nobody[:2000],
                    next_attempt_at=None,
                )
            )
            continue
        subject = body = problem = ""
        if trigger.action_type != ActionType.WEBHOOK:
            try:
                message = render_message(
                    channel=trigger.action_type,
                    event_type=event.event_type,
                    payload=event.payload,
                    language=tenant.language,
                    template_name=trigger.action_config.get("template"),
                    currency=tenant.currency,
                    context={"tenant_name": tenant.name},
                    timezone=tenant.time_zone,
                )
                subject, body = message.subject, message.body
            except Exception as exc:
                problem = f"the message could not be rendered: {type(exc).__name__}: {exc}"
                logger.warning("trigger %s: %s", trigger.code, problem)
        for recipient in recipients:
            row = NotificationDelivery(
                trigger=trigger,
                event=event,
                channel=trigger.action_type,
                recipient=recipient.address[:500],
                subject=subject[:255],
                body=body,
                next_attempt_at=now + stale_after(),
            )
            if problem:
                # Logged as failed, so the delivery log shows what is wrong with the trigger.
                row.status, row.last_error, row.next_attempt_at = D.FAILED, problem[:2000], None
            elif trigger.action_type == ActionType.PUSH:
                row.status, row.sent_at, row.attempts, row.next_attempt_at = D.SENT, now, 1, None
                push[row.id] = recipient
            rows.append(row)
    NotificationDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts: rows a replay would repeat are skipped; ours are the ids that exist.
    new_ids = set(
        NotificationDelivery.objects.filter(pk__in=[r.id for r in rows]).values_list(
            "id", flat=True
        )
    )
    new = [r for r in rows if r.id in new_ids]
    Notification.objects.bulk_create(
        Notification(
            user_id=push[r.id].user_id,
            customer_id=push[r.id].customer_id,
            delivery=r,
            title=r.subject or r.body[:255],
            body=r.body,
            data=_push_data(events_by_id[r.event_id]),
        )
        for r in new
        if r.id in push
    )
    outside = [(r.id, r.channel) for r in new if r.status == D.PENDING]
    if outside:
        tenant_on_commit(_QueueSends(tenant.id, outside), robust=True)
    return new


def _push_data(event: EventLog) -> dict[str, Any]:
    return {
        "event_type": event.event_type,
        "entity_type": event.entity_type,
        "entity_id": str(event.entity_id) if event.entity_id else None,
    }


class _QueueSends:
    def __init__(self, tenant_id: uuid.UUID, rows: list[tuple[uuid.UUID, str]]) -> None:
        self.tenant_id, self.rows = tenant_id, rows

    def __call__(self) -> None:
        for delivery_id, channel in self.rows:
            queue_send(self.tenant_id, delivery_id, channel)
