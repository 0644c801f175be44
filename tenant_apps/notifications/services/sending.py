"""Sending one delivery, with its own retries, and re-queueing the ones whose task is lost."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dockpulse.events.delivery import stale_after
from dockpulse.tenancy import get_current_tenant, tenant_atomic
from tenant_apps.notifications.models import ActionType, NotificationDelivery, WorkflowTrigger

from .queueing import queue_send

logger = logging.getLogger("dockpulse.notifications")

D = NotificationDelivery.Status


def _max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 6))


def _webhook_failure_limit() -> int:
    return int(getattr(settings, "WEBHOOK_DISABLE_AFTER_FAILURES", 5))


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
