"""What every channel returns or raises, so the delivery task can treat them alike.

A send either returns a `SendResult` or raises a `SendError`. The task retries a
`RetryableSendError` (with backoff, honouring `retry_after` when the other side gave one)
and records a `PermanentSendError` as failed for good: sending the same message again
would fail the same way.

Error messages are English, for logs and the delivery row; `code` is stable, so an
interface can show its own translated words for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Error codes (SendError.code).
CODE_ADDRESS_REFUSED = "address_refused"  # a webhook address that is not public
CODE_CONNECTION = "connection"  # refused, reset, unreachable
CODE_DNS = "dns"  # the host name did not resolve
CODE_HTTP_STATUS = "http_status"  # an answer outside 2xx
CODE_INVALID_RECIPIENT = "invalid_recipient"  # phone number or e-mail address
CODE_INVALID_URL = "invalid_url"
CODE_PROVIDER = "provider"  # the SMTP server or SMS provider refused
CODE_TIMEOUT = "timeout"
CODE_TLS = "tls"  # handshake or certificate verification failed

# The longest response text kept in results and errors: enough to show what the other side
# said, short enough for a delivery row.
EXCERPT_CHARS = 500

# Idempotency keys travel in HTTP and mail headers: printable ASCII without spaces, so
# nothing can end a header early or smuggle another one in.
_IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True, slots=True)
class SendResult:
    """A send the other side accepted.

    `provider_message_id` is the provider's id for the message where it gives one (the
    Message-ID for e-mail); `status_code` the HTTP status where HTTP was spoken.
    """

    provider_message_id: str | None = None
    status_code: int | None = None
    response_excerpt: str = ""


class SendError(Exception):
    """A send that did not happen (or whose outcome is unknown)."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status_code: int | None = None,
        response_excerpt: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
        self.response_excerpt = response_excerpt


class RetryableSendError(SendError):
    """Worth trying again later: a timeout, a 5xx, a 429, a dropped connection.

    The message may have arrived anyway (a timeout after the other side acted on it), which
    is why every send carries an idempotency key.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status_code: int | None = None,
        response_excerpt: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, code=code, status_code=status_code, response_excerpt=response_excerpt
        )
        # Seconds the other side asked us to wait (Retry-After), if it said.
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Sending again would fail the same way: a refused recipient, a 4xx, a private address."""


def excerpt(data: bytes | str, limit: int = EXCERPT_CHARS) -> str:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_idempotency_key(key: str) -> str:
    """A malformed key is a bug in the caller, not a failed send: ValueError."""
    if not isinstance(key, str) or not _IDEMPOTENCY_KEY_RE.match(key):
        raise ValueError("idempotency_key must be 1-255 printable ASCII characters without spaces")
    return key
