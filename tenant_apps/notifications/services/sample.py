"""A trigger's test: its message, rendered from sample data, sent now through its channel.

What an admin checks before relying on a trigger: the text its template gives, that the
SMS provider, mail server or webhook endpoint accepts it. The message is rendered exactly
as firing renders it (the trigger's template, the tenant's language, currency and time
zone) from a sample payload, and goes to the admin who asked, never to customers: an SMS
to their phone, an e-mail to their address, an in-app notification to their inbox. A
webhook goes to its URL, signed with its secret, with `"test": true` in its data.

Nothing is written to the delivery log (there is no event behind a test) and nothing is
retried: the admin sees at once whether it went through.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dockpulse.actors import Actor
from dockpulse.errors import StateConflict
from dockpulse.notify.base import SendError
from dockpulse.tenancy import get_current_tenant, tenant_atomic
from tenant_apps.accounts.models import User
from tenant_apps.notifications.models import ActionType, Notification, WorkflowTrigger


@dataclass(frozen=True, slots=True)
class SentTest:
    channel: str
    recipient: str  # a phone number, an e-mail address, a URL, or the user's name (push)


def sample_payload(event_type: str, *, currency: str) -> dict[str, Any]:
    """Made-up values for every key the built-in templates read, marked as a test."""
    return {
        "test": True,
        "number": "TEST-0001",
        "status": event_type.partition(".")[2] or "created",
        "name": "Jan Kowalski",
        "customer_name": "Jan Kowalski",
        "customer_phone": "+48600100200",
        "customer_email": "jan.kowalski@example.com",
        "total_net": "100.00",
        "total_vat": "23.00",
        "total_gross": "123.00",
        "currency": currency,
        "delivery_date": timezone.localdate().isoformat(),
        "tracking_number": "PL0012345678",
        "items": [],
    }


def trigger_send_test(*, trigger: WorkflowTrigger, actor: Actor) -> SentTest:
    """Send `trigger`'s message once, now, from sample data, to the acting admin (or the
    webhook's URL). StateConflict says why it was not sent."""
    from dockpulse.notify.templates import render_message

    tenant = get_current_tenant()
    payload = sample_payload(trigger.event_type, currency=tenant.currency)
    key = f"test-{uuid.uuid4()}"
    if trigger.action_type == ActionType.WEBHOOK:
        from dockpulse.notify.webhooks import send_webhook

        url = str(trigger.action_config.get("url", ""))
        body = {
            "type": trigger.event_type,
            "timestamp": timezone.now().isoformat(),
            "data": {"event_id": key, "entity_type": trigger.event_type.partition(".")[0],
                     "entity_id": None, **payload},
        }  # fmt: skip
        _sent(lambda: send_webhook(
            url=url, secret=str(trigger.action_config.get("secret", "")), msg_id=key, payload=body
        ))  # fmt: skip
        return SentTest(trigger.action_type, url)

    user = User.objects.filter(pk=actor.id, is_active=True).first() if actor.id else None
    if user is None:
        raise StateConflict(_("A test goes to the staff user who asks for it."))
    try:
        message = render_message(
            channel=trigger.action_type,
            event_type=trigger.event_type,
            payload=payload,
            language=tenant.language,
            template_name=trigger.action_config.get("template"),
            currency=tenant.currency,
            context={"tenant_name": tenant.name},
            timezone=tenant.time_zone,
        )
    except Exception as exc:  # a template that does not exist or does not render
        raise StateConflict(
            _("The message could not be rendered: %(error)s") % {"error": exc}
        ) from exc
    if trigger.action_type == ActionType.SMS:
        from dockpulse.notify.sms import send_sms

        if not user.phone:
            raise StateConflict(_("Add a phone number to your account to receive a test SMS."))
        _sent(lambda: send_sms(to=user.phone, body=message.body, idempotency_key=key))
        return SentTest(trigger.action_type, user.phone)
    if trigger.action_type == ActionType.EMAIL:
        from dockpulse.notify.email import send_email

        _sent(lambda: send_email(
            to=[user.email], subject=message.subject, body=message.body, idempotency_key=key
        ))  # fmt: skip
        return SentTest(trigger.action_type, user.email)
    with tenant_atomic():
        Notification.objects.create(
            user=user,
            title=(message.subject or message.body)[:255],
            body=message.body,
            data={"event_type": trigger.event_type, "test": True},
        )
    return SentTest(trigger.action_type, user.get_full_name())


def _sent(send: Any) -> None:
    try:
        send()
    except SendError as exc:
        raise StateConflict(
            _("The test was not sent: %(error)s") % {"error": exc}, code="send_failed"
        ) from exc
