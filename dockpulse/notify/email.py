"""Sending notification e-mail through Django's e-mail framework (EMAIL_BACKEND decides
where it goes: SMTP, console, file, locmem).

The idempotency key travels as `X-Idempotency-Key` and also decides the `Message-ID`: a
retried send of one notification carries the same Message-ID, which mail clients and
archives use to recognise the duplicate (SMTP itself has no idempotency).
"""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Sequence
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email

from dockpulse.notify.base import (
    CODE_CONNECTION,
    CODE_INVALID_RECIPIENT,
    CODE_PROVIDER,
    CODE_TIMEOUT,
    PermanentSendError,
    RetryableSendError,
    SendError,
    SendResult,
    check_idempotency_key,
)

IDEMPOTENCY_HEADER = "X-Idempotency-Key"
# Django's EMAIL_TIMEOUT defaults to None (wait forever): a mail server that accepts the
# connection and then says nothing would hold a worker for good.
DEFAULT_TIMEOUT = 30.0


def message_id_for(idempotency_key: str, from_email: str) -> str:
    """A Message-ID derived from the key, in the sender's domain (RFC 5322 section 3.6.4)."""
    domain = parseaddr(from_email)[1].rpartition("@")[2] or "dockpulse.invalid"
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}.notify@{domain}>"


def send_email(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    idempotency_key: str,
    html: str | None = None,
    from_email: str | None = None,
    reply_to: Sequence[str] | None = None,
    connection: BaseEmailBackend | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> SendResult:
    """Send one message to `to` (all recipients see each other, as with To:).

    `html`, when given, is an alternative to the plain-text `body`. `attachments` are
    (filename, content, MIME type) files, e.g. a quote's PDF. `from_email` defaults to
    DEFAULT_FROM_EMAIL. Returns the Message-ID as the provider message id.

    Raises PermanentSendError for an invalid address or one the server refuses for good
    (5xx), RetryableSendError for everything worth trying again (connection failures,
    timeouts, 4xx answers, refused credentials or sender).
    """
    check_idempotency_key(idempotency_key)
    recipients = list(to)
    if not recipients:
        raise PermanentSendError("the e-mail has no recipients", code=CODE_INVALID_RECIPIENT)
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise PermanentSendError(
                f"{address!r} is not a valid e-mail address", code=CODE_INVALID_RECIPIENT
            ) from exc
    sender = from_email or settings.DEFAULT_FROM_EMAIL
    message_id = message_id_for(idempotency_key, sender)
    message = EmailMultiAlternatives(
        # A subject is one line; a template may end it with a newline.
        subject=" ".join(subject.split()),
        body=body,
        from_email=sender,
        to=recipients,
        reply_to=list(reply_to) if reply_to else None,
        headers={
            "Message-ID": message_id,
            IDEMPOTENCY_HEADER: idempotency_key,
            # RFC 3834: tells out-of-office responders not to answer a notification.
            "Auto-Submitted": "auto-generated",
        },
        connection=connection
        or get_connection(
            fail_silently=False,
            timeout=getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT,
        ),
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    try:
        message.send(fail_silently=False)
    except (BadHeaderError, ValueError) as exc:
        # Django refuses addresses and headers it cannot encode safely.
        raise PermanentSendError(
            f"the e-mail cannot be built: {exc}", code=CODE_INVALID_RECIPIENT
        ) from exc
    except smtplib.SMTPException as exc:
        raise _smtp_error(exc) from exc
    except TimeoutError as exc:
        raise RetryableSendError(
            "the mail server did not answer in time", code=CODE_TIMEOUT
        ) from exc
    except OSError as exc:
        raise RetryableSendError(
            f"could not reach the mail server: {exc}", code=CODE_CONNECTION
        ) from exc
    return SendResult(provider_message_id=message_id)


def _smtp_error(exc: smtplib.SMTPException) -> SendError:
    """SMTP's own rule: a 4xx reply is temporary, a 5xx permanent (RFC 5321 section 4.2.1)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        refused = ", ".join(exc.recipients)
        if codes and all(code >= 500 for code in codes):
            return PermanentSendError(
                f"the mail server refused the recipients: {refused}",
                code=CODE_INVALID_RECIPIENT,
            )
        return RetryableSendError(
            f"the mail server deferred the recipients: {refused}", code=CODE_PROVIDER
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPSenderRefused):
        # Our credentials or our From address: configuration, not the message. Retried, the
        # message goes out once an operator fixes it instead of being lost.
        return RetryableSendError(
            f"the mail server refused our credentials or sender: {exc}", code=CODE_PROVIDER
        )
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        return PermanentSendError(
            f"the mail server refused the message: {exc.smtp_code} {exc.smtp_error!r}",
            code=CODE_PROVIDER,
        )
    # 4xx replies, dropped connections, failed HELO, and anything else SMTP says.
    return RetryableSendError(f"the mail server failed: {exc}", code=CODE_PROVIDER)
