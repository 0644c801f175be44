"""The notification channels: sending an SMS, an e-mail or a webhook, and rendering the
texts (docs/events.md: the outside sends of workflow triggers).

No models and no tasks here: the delivery tasks call these functions, retry on
`RetryableSendError` and record `PermanentSendError` as failed. Every send takes an
idempotency key (a webhook's `msg_id`), the same on every retry of one message.

    from dockpulse.notify.sms import send_sms
    from dockpulse.notify.email import send_email
    from dockpulse.notify.webhooks import send_webhook, validate_webhook_url
    from dockpulse.notify.templates import render_message
"""

from dockpulse.notify.base import PermanentSendError, RetryableSendError, SendError, SendResult

__all__ = ["PermanentSendError", "RetryableSendError", "SendError", "SendResult"]
