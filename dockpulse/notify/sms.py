"""Sending SMS through the backend named in the SMS_BACKEND setting.

Backends, as with Django's EMAIL_BACKEND:

- `ConsoleSmsBackend` (the default): prints the message and logs it; for development.
- `FileSmsBackend`: appends one JSON line per message to SMS_FILE_PATH; several processes
  may append at once.
- `LocmemSmsBackend`: keeps messages in `dockpulse.notify.sms.outbox`; for tests.
- `HttpSmsBackend`: POSTs JSON to the provider at SMS_PROVIDER_URL.

Phone numbers arrive in E.164 (normalised when they were stored); anything else is refused
as a permanent failure rather than guessed at.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from dockpulse.notify.base import (
    CODE_INVALID_RECIPIENT,
    PermanentSendError,
    SendResult,
    check_idempotency_key,
    excerpt,
)
from dockpulse.notify.transport import post, raise_for_status, shared_pool

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "dockpulse.notify.sms.ConsoleSmsBackend"
DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_READ_TIMEOUT = 10.0
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str
    body: str
    idempotency_key: str
    sent_at: datetime

    def as_json(self) -> dict[str, str]:
        return {
            "to": self.to,
            "body": self.body,
            "idempotency_key": self.idempotency_key,
            "sent_at": self.sent_at.isoformat(),
        }


class BaseSmsBackend:
    """A way to send one SMS. Subclasses implement `send_message`."""

    def send_message(self, message: SmsMessage) -> SendResult:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes each message to stdout (or `stream`) and logs it."""

    _lock = threading.Lock()

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def send_message(self, message: SmsMessage) -> SendResult:
        # sys.stdout is looked up now, not at import, so redirected output is honoured.
        stream = self.stream or sys.stdout
        text = (
            f"SMS to {message.to} (idempotency key {message.idempotency_key}):\n"
            f"{message.body}\n{'-' * 79}\n"
        )
        with self._lock:  # whole messages, even from several threads
            stream.write(text)
            stream.flush()
        logger.info("SMS to %s: %s", message.to, message.body)
        return SendResult()


class FileSmsBackend(BaseSmsBackend):
    """Appends one JSON line per message (to, body, idempotency_key, sent_at) to a file."""

    def __init__(self, file_path: str | os.PathLike[str] | None = None) -> None:
        if file_path is None:
            file_path = getattr(
                settings, "SMS_FILE_PATH", Path(settings.BASE_DIR) / "var" / "sms.jsonl"
            )
        self.path = Path(file_path)

    def send_message(self, message: SmsMessage) -> SendResult:
        line = (json.dumps(message.as_json(), ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND puts every write at the end of the file, whoever else is appending; the
        # lock keeps a line whole even if the kernel splits a write (full disk, signal).
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        finally:
            os.close(fd)  # closing releases the lock
        return SendResult()


outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in `dockpulse.notify.sms.outbox`, for tests (empty it yourself)."""

    def send_message(self, message: SmsMessage) -> SendResult:
        outbox.append(message)
        return SendResult(provider_message_id=f"locmem-{len(outbox)}")


class HttpSmsBackend(BaseSmsBackend):
    """POSTs `{"to", "message", "idempotency_key"}` as JSON to SMS_PROVIDER_URL.

    Authorization is `Bearer <SMS_PROVIDER_TOKEN>`; the key also travels as the
    `Idempotency-Key` header, so a provider that supports it drops our retries of a message
    it already took. The provider's message id is read from `id`, `message_id` or
    `messageId` in its JSON answer.
    """

    what = "SMS provider"

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> None:
        self.url = url if url is not None else getattr(settings, "SMS_PROVIDER_URL", "")
        self.token = token if token is not None else getattr(settings, "SMS_PROVIDER_TOKEN", "")
        if not self.url:
            raise ImproperlyConfigured("HttpSmsBackend needs SMS_PROVIDER_URL.")
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("SMS_PROVIDER_URL must be an http(s) URL.")
        self.timeout = timeout or (
            float(getattr(settings, "SMS_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)),
            float(getattr(settings, "SMS_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)),
        )

    def send_message(self, message: SmsMessage) -> SendResult:
        body = json.dumps(
            {"to": message.to, "message": message.body, "idempotency_key": message.idempotency_key},
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Encoding": "identity",
            "Idempotency-Key": message.idempotency_key,
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        answer = post(
            shared_pool.get(),
            self.url,
            body=body,
            headers=headers,
            timeout=urllib3.Timeout(connect=self.timeout[0], read=self.timeout[1]),
            what=self.what,
        )
        data = _json_object(answer.body)
        raise_for_status(answer, what=self.what, detail=_provider_error(data, answer.body))
        message_id = next(
            (str(data[key]) for key in ("id", "message_id", "messageId") if data.get(key)), None
        )
        return SendResult(
            provider_message_id=message_id,
            status_code=answer.status,
            response_excerpt=excerpt(answer.body),
        )


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _provider_error(data: dict[str, Any], body: bytes) -> str:
    """The provider's own words for a refusal: the usual JSON keys, else the body."""
    for key in ("message", "error", "detail", "error_description"):
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("detail")
        if isinstance(value, str) and value.strip():
            return excerpt(value)
    return excerpt(body)


def get_sms_backend(path: str | None = None) -> BaseSmsBackend:
    """An instance of the backend at `path`, by default the SMS_BACKEND setting."""
    backend_path: str = path or getattr(settings, "SMS_BACKEND", None) or DEFAULT_BACKEND
    backend_class = import_string(backend_path)
    backend = backend_class()
    if not isinstance(backend, BaseSmsBackend):
        raise ImproperlyConfigured(f"{backend_path} is not an SMS backend.")
    return backend


def send_sms(*, to: str, body: str, idempotency_key: str) -> SendResult:
    """Send `body` to the E.164 number `to` with the configured backend.

    Raises PermanentSendError for a number that is not E.164 or a provider's 4xx, and
    RetryableSendError when trying again later may work (5xx, timeouts, connections).
    """
    check_idempotency_key(idempotency_key)
    if not isinstance(to, str) or not _E164.match(to):
        raise PermanentSendError(
            f"{to!r} is not a phone number in E.164 form", code=CODE_INVALID_RECIPIENT
        )
    if not body.strip():
        raise ValueError("an SMS needs a body")
    message = SmsMessage(
        to=to, body=body, idempotency_key=idempotency_key, sent_at=datetime.now(UTC)
    )
    return get_sms_backend().send_message(message)
