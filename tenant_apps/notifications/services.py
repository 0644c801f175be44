"""Writes of the notification domain: triggers, firing them for an event, sending one
delivery, and in-app notifications being read."""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.events.delivery import stale_after
from dockpulse.events.types import EVENT_TYPES
from dockpulse.tenancy import get_current_tenant, tenant_atomic, tenant_on_commit
from dockpulse.updates import apply_changes
from tenant_apps.accounts.models import Role, User
from tenant_apps.events.models import EventLog

from .models import ActionType, Notification, NotificationDelivery, WorkflowTrigger

logger = logging.getLogger("dockpulse.notifications")

D = NotificationDelivery.Status
AUDIENCES: dict[str, frozenset[str]] = {
    ActionType.SMS: frozenset({"admins", "customer"}),
    ActionType.EMAIL: frozenset({"admins", "customer"}),
    ActionType.PUSH: frozenset({"admins", "staff", "customer"}),
}
EDITABLE = ("code", "name", "event_type", "action_type", "action_config", "is_enabled")
# The renderer's own rule for template names (dockpulse/notify/templates.py).
_TEMPLATE = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,99}$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 6))


def _webhook_failure_limit() -> int:
    return int(getattr(settings, "WEBHOOK_DISABLE_AFTER_FAILURES", 5))


# --- triggers ----------------------------------------------------------------------------


def _clean_config(action_type: str, config: Any, *, previous: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise ValidationError({"action_config": [_("Enter an object.")]})
    errors: list[str] = []
    if action_type == ActionType.WEBHOOK:
        from dockpulse.notify.webhooks import generate_secret, validate_webhook_url

        allowed = {"url", "secret"}
        url = str(config.get("url") or "").strip()
        try:
            url = validate_webhook_url(url)
        except ValidationError as exc:
            errors += [_("url: %(error)s") % {"error": m} for m in exc.messages]
        secret = str(config.get("secret") or previous.get("secret") or generate_secret())
        if not _usable_secret(secret):
            errors.append(_("secret: leave it out to have one made, or give a whsec_ secret."))
        if len(url) > 500:
            errors.append(_("url: enter at most 500 characters."))
        cleaned: dict[str, Any] = {"url": url, "secret": secret}
    else:
        allowed = {"to", "template"}
        to = config.get("to")
        audiences = AUDIENCES[action_type]
        if isinstance(to, str):
            if to not in audiences:
                errors.append(
                    _("to: choose one of %(names)s, or give a list of addresses.")
                    % {"names": ", ".join(sorted(audiences))}
                )
        elif isinstance(to, list) and to and action_type != ActionType.PUSH:
            pattern = _PHONE if action_type == ActionType.SMS else _EMAIL
            bad = [str(a) for a in to if not isinstance(a, str) or not pattern.match(a)]
            if bad:
                errors.append(_("to: not valid: %(values)s.") % {"values": ", ".join(bad)})
        elif action_type == ActionType.PUSH:
            errors.append(
                _("to: choose one of %(names)s.") % {"names": ", ".join(sorted(audiences))}
            )
        else:
            errors.append(
                _("to: choose one of %(names)s, or give a list of addresses.")
                % {"names": ", ".join(sorted(audiences))}
            )
        cleaned = {"to": to}
        if config.get("template"):
            template = str(config["template"])
            if len(template) > 100 or not _TEMPLATE.match(template):
                errors.append(_("template: use lower-case letters, digits, . _ and -."))
            cleaned["template"] = template
    unknown = sorted(set(config) - allowed)
    if unknown:
        errors.append(_("Unknown settings: %(names)s.") % {"names": ", ".join(unknown)})
    if errors:
        raise ValidationError({"action_config": errors})
    return cleaned


def _usable_secret(secret: str) -> bool:
    """A Standard Webhooks secret: whsec_ and base64 of at least 24 bytes."""
    import base64
    import binascii

    if not secret.startswith("whsec_"):
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(key) >= 24


def clean_trigger(data: dict[str, Any], *, instance: WorkflowTrigger | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {
        name: [_("Unknown field.")] for name in sorted(set(data) - set(EDITABLE))
    }
    current = {n: getattr(instance, n) for n in EDITABLE} if instance else {}
    merged = {**current, **data}
    cleaned: dict[str, Any] = {}
    event_type = str(merged.get("event_type") or "")
    if event_type not in EVENT_TYPES:
        errors["event_type"] = [_("Unknown event type.")]
    action_type = str(merged.get("action_type") or "")
    if action_type not in ActionType.values:
        errors["action_type"] = [
            _("Choose one of: %(names)s.") % {"names": ", ".join(ActionType.values)}
        ]
    elif "action_config" in data or "action_type" in data or instance is None:
        try:
            cleaned["action_config"] = _clean_config(
                action_type,
                merged.get("action_config") or {},
                previous=instance.action_config if instance else {},
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    name = str(merged.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Enter a name.")]
    code = str(merged.get("code") or "").strip().lower()
    if not code and not errors:
        code = f"{event_type}.{action_type}.{uuid.uuid4().hex[:6]}"
    if code and not _CODE.match(code):
        errors["code"] = [_("Use lower-case letters, digits, . _ and -.")]
    elif code:
        clash = WorkflowTrigger.objects.filter(code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["code"] = [_("Another trigger has this code.")]
    if errors:
        raise ValidationError(errors)
    cleaned.update(code=code, name=name[:255], event_type=event_type, action_type=action_type)
    if "is_enabled" in merged:
        cleaned["is_enabled"] = bool(merged["is_enabled"])
    return cleaned


def _trigger_event(kind: str, trigger: WorkflowTrigger, actor: Any, **extra: Any) -> None:
    events.emit(
        event_type=kind,
        source_module="notifications",
        entity_type="workflow_trigger",
        entity_id=trigger.id,
        payload={
            "code": trigger.code,
            "event_type": trigger.event_type,
            "action_type": trigger.action_type,
            **extra,
        },
        actor=actor,
    )


def trigger_create(*, data: dict[str, Any], actor: Any = None) -> WorkflowTrigger:
    cleaned = clean_trigger(data, instance=None)
    with tenant_atomic():
        trigger = WorkflowTrigger.objects.create(**cleaned)
        _trigger_event("entity.created", trigger, actor)
    return trigger


def trigger_update(
    *, trigger: WorkflowTrigger, data: dict[str, Any], actor: Any = None
) -> WorkflowTrigger:
    cleaned = clean_trigger(data, instance=trigger)
    with tenant_atomic():
        if cleaned.get("is_enabled") and not trigger.is_enabled:
            # Switched back on by a person: the failure count starts again.
            cleaned.update(consecutive_failures=0, disabled_reason="")
        changed = apply_changes(trigger, cleaned)
        if changed:
            _trigger_event("entity.updated", trigger, actor, changed=changed)
    return trigger


def trigger_delete(*, trigger: WorkflowTrigger, actor: Any = None) -> None:
    with tenant_atomic():
        _trigger_event("entity.deleted", trigger, actor)
        trigger.delete()


# The seed's defaults (section 4.2), the same for every business template.
DEFAULT_TRIGGERS = (
    ("order.new.sms_admin", "order.created", ActionType.SMS, "admins"),
    ("order.confirmed.email_customer", "order.confirmed", ActionType.EMAIL, "customer"),
    ("order.shipped.sms_customer", "order.shipped", ActionType.SMS, "customer"),
)


def triggers_seed(*, template: str) -> list[WorkflowTrigger]:
    """A new tenant's default triggers: a new order texts the admins, a confirmed one
    e-mails the customer, a shipped one texts the customer the tracking number."""
    names = {
        "order.new.sms_admin": _("New order: SMS to the admins"),
        "order.confirmed.email_customer": _("Order confirmed: e-mail to the customer"),
        "order.shipped.sms_customer": _("Order shipped: SMS with the tracking number"),
    }
    with tenant_atomic():
        existing = set(WorkflowTrigger.objects.values_list("code", flat=True))
        rows = [
            WorkflowTrigger(
                code=code,
                name=names[code],
                event_type=event_type,
                action_type=action,
                action_config={"to": to},
            )
            for code, event_type, action, to in DEFAULT_TRIGGERS
            if code not in existing
        ]
        WorkflowTrigger.objects.bulk_create(rows)
        if rows:
            events.emit(
                event_type="entity.created",
                source_module="notifications",
                entity_type="workflow_triggers",
                payload={"codes": [r.code for r in rows], "template": template},
            )
    return rows


# --- firing ------------------------------------------------------------------------------


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


def queue_send(
    tenant_id: uuid.UUID, delivery_id: uuid.UUID | str, channel: str, delay: float = 0
) -> None:
    from .tasks import send_notification

    send_notification.apply_async(
        args=[str(tenant_id), str(delivery_id)],
        countdown=delay,
        queue="webhooks" if channel == ActionType.WEBHOOK else "notifications",
    )


# --- sending one delivery ----------------------------------------------------------------


def _send(delivery: NotificationDelivery) -> str:
    """Hand the message to its channel; the provider's answer, shortened. The delivery's
    id is the idempotency key (and the webhook-id), the same on every attempt."""
    key = str(delivery.id)
    if delivery.channel == ActionType.SMS:
        from dockpulse.notify.sms import send_sms

        result = send_sms(to=delivery.recipient, body=delivery.body, idempotency_key=key)
    elif delivery.channel == ActionType.EMAIL:
        from dockpulse.notify.email import send_email

        result = send_email(
            to=[delivery.recipient],
            subject=delivery.subject,
            body=delivery.body,
            idempotency_key=key,
        )
    elif delivery.channel == ActionType.WEBHOOK:
        from dockpulse.notify.webhooks import send_webhook

        trigger = delivery.trigger
        event = delivery.event
        payload = {
            "type": event.event_type,
            "timestamp": event.created_at.isoformat(),
            "data": {
                "event_id": str(event.event_id),
                "entity_type": event.entity_type,
                "entity_id": str(event.entity_id) if event.entity_id else None,
                **event.payload,
            },
        }
        secret = str(trigger.action_config.get("secret", "")) if trigger else ""
        result = send_webhook(url=delivery.recipient, secret=secret, msg_id=key, payload=payload)
    else:
        raise ValueError(f"channel {delivery.channel} is not sent by a task")
    return str(result)[:2000]


def _webhook_outcome(delivery: NotificationDelivery, *, ok: bool, error: str = "") -> None:
    if delivery.channel != ActionType.WEBHOOK or delivery.trigger_id is None:
        return
    if ok:
        WorkflowTrigger.objects.filter(pk=delivery.trigger_id).update(consecutive_failures=0)
        return
    WorkflowTrigger.objects.filter(pk=delivery.trigger_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    WorkflowTrigger.objects.filter(
        pk=delivery.trigger_id,
        is_enabled=True,
        consecutive_failures__gte=_webhook_failure_limit(),
    ).update(
        is_enabled=False,
        disabled_reason=_("Switched off after %(n)d failed deliveries in a row; last: %(error)s")
        % {"n": _webhook_failure_limit(), "error": error[:150]},
    )


def notification_send(*, delivery_id: uuid.UUID | str) -> tuple[str, float | None]:
    """Send one delivery if it is not sent yet: (its new status, seconds until a retry).

    A row another task is sending right now (`sending`, its deadline not passed) is left to
    it. Any error counts as a failed attempt: those that may pass (timeouts, 5xx, our own
    unexpected errors) are retried up to NOTIFICATION_MAX_ATTEMPTS, the others fail at once.
    """
    from dockpulse.celery import backoff
    from dockpulse.notify.base import PermanentSendError, RetryableSendError

    now = timezone.now()
    with tenant_atomic():
        delivery = (
            NotificationDelivery.objects.select_for_update(of=("self",))
            .select_related("trigger", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing", None
        if delivery.status in (D.SENT, D.FAILED, D.SKIPPED):
            return str(delivery.status), None
        if delivery.status == D.SENDING and (delivery.next_attempt_at or now) > now:
            return str(delivery.status), None
        delivery.status, delivery.attempts = D.SENDING, delivery.attempts + 1
        # The send's deadline: past it, the sweep presumes this process died mid-send and
        # queues the delivery again (at least once; the idempotency key marks the repeat).
        delivery.next_attempt_at = now + stale_after()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    retry_in: float | None = None
    try:
        if delivery.channel == ActionType.WEBHOOK and delivery.trigger_id is None:
            raise PermanentSendError("the webhook's trigger was deleted", code="provider")
        response = _send(delivery)
    except PermanentSendError as exc:
        delivery.status, delivery.last_error = D.FAILED, str(exc)[:2000]
    except Exception as exc:
        final = delivery.attempts >= _max_attempts()
        delivery.status = D.FAILED if final else D.RETRY
        kind = "" if isinstance(exc, RetryableSendError) else f"{type(exc).__name__}: "
        delivery.last_error = f"{kind}{exc}"[:2000]
        if not final:
            retry_in = backoff(delivery.attempts)
            asked = getattr(exc, "retry_after", None)
            if asked:  # the provider's Retry-After, within reason
                retry_in = max(retry_in, min(float(asked), 3600.0))
            delivery.next_attempt_at = (
                timezone.now() + dt.timedelta(seconds=retry_in) + stale_after()
            )
    else:
        delivery.status, delivery.sent_at, delivery.response = D.SENT, timezone.now(), response
        delivery.last_error = ""
    if delivery.status != D.RETRY:
        delivery.next_attempt_at = None
    with tenant_atomic():
        delivery.save(
            update_fields=["status", "last_error", "next_attempt_at", "sent_at", "response"]
        )
        if delivery.status == D.SENT:
            _webhook_outcome(delivery, ok=True)
        elif delivery.status == D.FAILED:
            _webhook_outcome(delivery, ok=False, error=delivery.last_error)
    if delivery.status != D.SENT:
        logger.warning(
            "%s to %s: %s (attempt %d)",
            delivery.channel,
            delivery.recipient,
            delivery.last_error,
            delivery.attempts,
        )
    return str(delivery.status), retry_in


def deliveries_sweep() -> int:
    """Re-queue deliveries whose task is overdue (lost, or its process died mid-send)."""
    tenant = get_current_tenant()
    now = timezone.now()
    overdue = list(
        NotificationDelivery.objects.filter(
            status__in=[D.PENDING, D.SENDING, D.RETRY], next_attempt_at__lt=now
        ).values_list("id", "channel")[:1000]
    )
    if overdue:
        ids = [i for i, _c in overdue]
        # A `sending` row past its deadline: its process died mid-send; send it again.
        NotificationDelivery.objects.filter(pk__in=ids, status=D.SENDING).update(status=D.RETRY)
        NotificationDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + stale_after())
        for delivery_id, channel in overdue:
            queue_send(tenant.id, delivery_id, channel)
    return len(overdue)


# --- in-app notifications ----------------------------------------------------------------


def notifications_mark_read(*, user: User, ids: list[uuid.UUID] | None = None) -> int:
    """Mark the user's notifications read (all, or the given ones); how many changed."""
    with tenant_atomic():
        unread = Notification.objects.filter(user=user, read_at__isnull=True)
        if ids is not None:
            unread = unread.filter(pk__in=ids)
        return unread.update(read_at=timezone.now())
