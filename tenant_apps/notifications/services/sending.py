"""Sending one delivery, with its own retries, and re-queueing the ones whose task is lost."""

from __future__ import annotations

import datetime as dt
import logging
import random
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


# A retry due sooner than this goes back to the broker with a countdown; a later one waits
# in its row (next_attempt_at) for the sweep, which runs every EVENTS_SWEEP_SECONDS: an ETA
# of hours would outlive the broker's visibility timeout and be delivered twice.
QUEUED_RETRY_MAX = 60.0


def retry_delay(attempt: int) -> float | None:
    """Seconds before the retry after failed attempt `attempt` (1, 2, ...), jittered +-20 %
    so that a recovering receiver is not hit by every retry in the same second; None when
    the schedule is used up (the delivery has failed)."""
    schedule = list(settings.NOTIFICATION_RETRY_SCHEDULE)
    if attempt > len(schedule):
        return None
    return float(schedule[attempt - 1]) * random.uniform(0.8, 1.2)  # noqa: S311 - jitter


def _webhook_failure_limit() -> int:
    return int(getattr(settings, "WEBHOOK_DISABLE_AFTER_FAILURES", 5))


def _webhook_failing_for() -> dt.timedelta:
    return dt.timedelta(days=float(settings.WEBHOOK_DISABLE_AFTER_DAYS))


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
    triggers = WorkflowTrigger.objects.filter(pk=delivery.trigger_id)
    if ok:
        triggers.update(consecutive_failures=0, failing_since=None)
        return
    now = timezone.now()
    triggers.update(consecutive_failures=F("consecutive_failures") + 1)
    triggers.filter(failing_since__isnull=True).update(failing_since=now)
    # Switched off only when the receiver has been failing for days, not after a short
    # outage that happened to see a few events (each failure here is already ~27 hours of
    # retries).
    days = float(settings.WEBHOOK_DISABLE_AFTER_DAYS)
    triggers.filter(
        is_enabled=True,
        consecutive_failures__gte=_webhook_failure_limit(),
        failing_since__lte=now - _webhook_failing_for(),
    ).update(
        is_enabled=False,
        disabled_reason=_(
            "Switched off after failing for %(days)s days (%(n)d deliveries); last: %(error)s"
        )
        % {"days": f"{days:g}", "n": _webhook_failure_limit(), "error": error[:120]},
    )


def notification_send(*, delivery_id: uuid.UUID | str) -> tuple[str, float | None]:
    """Send one delivery if it is not sent yet: (its new status, seconds until a retry).

    A row another task is sending right now (`sending`, its deadline not passed) is left to
    it. Any error counts as a failed attempt: those that may pass (timeouts, 5xx, our own
    unexpected errors) are retried on NOTIFICATION_RETRY_SCHEDULE, the others fail at once.
    The seconds returned are for a retry the caller queues with a countdown; a later retry
    is left to the sweep (`None` is returned then too: see QUEUED_RETRY_MAX).
    """
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
        delay = retry_delay(delivery.attempts)
        delivery.status = D.FAILED if delay is None else D.RETRY
        kind = "" if isinstance(exc, RetryableSendError) else f"{type(exc).__name__}: "
        delivery.last_error = f"{kind}{exc}"[:2000]
        if delay is not None:
            asked = getattr(exc, "retry_after", None)
            if asked:  # the provider's Retry-After, within reason
                delay = max(delay, min(float(asked), 3600.0))
            due = timezone.now() + dt.timedelta(seconds=delay)
            if delay <= QUEUED_RETRY_MAX:
                retry_in = delay
                # The countdown task sends it; the margin keeps the sweep off it meanwhile.
                delivery.next_attempt_at = due + stale_after()
            else:
                delivery.next_attempt_at = due  # the sweep queues it when it is due
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


def notification_retry(*, delivery: NotificationDelivery) -> NotificationDelivery:
    """Send a failed (or waiting) delivery again now, with a fresh retry schedule: a person
    saw the receiver is back. Sent or skipped ones are refused in words."""
    from dockpulse.errors import StateConflict

    with tenant_atomic():
        locked = NotificationDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status not in (D.FAILED, D.RETRY):
            raise StateConflict(
                _("Only a failed or waiting delivery can be sent again; this one is %(s)s.")
                % {"s": locked.get_status_display()},
                code="not_retryable",
            )
        if locked.channel == ActionType.WEBHOOK and locked.trigger_id is None:
            raise StateConflict(_("Its trigger was deleted."), code="not_retryable")
        locked.status, locked.attempts = D.RETRY, 0
        locked.next_attempt_at = timezone.now() + stale_after()
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        tenant = get_current_tenant()
        from dockpulse.tenancy import tenant_on_commit

        tenant_on_commit(lambda: queue_send(tenant.id, locked.pk, locked.channel))
    return locked


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
