"""One HTTP POST for the channels (webhooks, the HTTP SMS provider), and what its outcome means.

No retries inside: the delivery task retries with backoff, and a retry here would hide a
slow endpoint inside one task run. No redirects: a 3xx is an answer, not an instruction
(a followed redirect could lead a webhook to an address nobody checked). Response bodies are
read only up to a bound, so an endpoint cannot make a worker swallow gigabytes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from dockpulse.notify.base import (
    CODE_CONNECTION,
    CODE_DNS,
    CODE_HTTP_STATUS,
    CODE_TIMEOUT,
    CODE_TLS,
    PermanentSendError,
    RetryableSendError,
    excerpt,
)

# Enough for any provider's JSON answer; an endpoint that sends more is cut off.
MAX_RESPONSE_BYTES = 64 * 1024
# A Retry-After beyond this is treated as this: the task's own backoff caps it anyway.
MAX_RETRY_AFTER_SECONDS = 3600.0


class ConnectFailed(RetryableSendError):
    """No connection was made, so nothing was sent: another address may still be tried."""


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes


def post(
    pool: urllib3.PoolManager | urllib3.HTTPConnectionPool,
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    timeout: urllib3.Timeout,
    what: str,
) -> HttpAnswer:
    """POST `body`; any failure to get an answer becomes a RetryableSendError.

    `url` is a full URL for a PoolManager, a path for a connection pool. `what` names the
    other side in error messages ("webhook endpoint", "SMS provider").
    """
    try:
        response = pool.urlopen(
            "POST",
            url,
            body=body,
            headers=dict(headers),
            retries=False,
            redirect=False,
            timeout=timeout,
            preload_content=False,
        )
        try:
            # Undecoded: we never ask for compression, and decoding one that arrives anyway
            # could turn a small body into a huge one. Read in chunks against one deadline:
            # the read timeout applies to each socket read, and an endpoint dripping a byte
            # at a time must not hold a worker for longer than the two timeouts together.
            deadline = time.monotonic() + _budget(timeout)
            chunks: list[bytes] = []
            size = 0
            while size < MAX_RESPONSE_BYTES:
                chunk = response.read(min(8192, MAX_RESPONSE_BYTES - size), decode_content=False)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if time.monotonic() > deadline:
                    response.close()
                    raise RetryableSendError(f"{what} answered too slowly", code=CODE_TIMEOUT)
            data = b"".join(chunks)
            if size >= MAX_RESPONSE_BYTES and response.read(1, decode_content=False):
                # More than we keep: the rest is unread, so the connection cannot be reused.
                response.close()
        finally:
            response.release_conn()
    except NameResolutionError as exc:
        raise ConnectFailed(f"{what} host did not resolve: {exc}", code=CODE_DNS) from exc
    except NewConnectionError as exc:
        # Before ConnectTimeoutError: urllib3 makes it a subclass of that.
        raise ConnectFailed(f"could not connect to {what}: {exc}", code=CODE_CONNECTION) from exc
    except ConnectTimeoutError as exc:
        raise ConnectFailed(f"timed out connecting to {what}", code=CODE_TIMEOUT) from exc
    except ReadTimeoutError as exc:
        raise RetryableSendError(f"{what} did not answer in time", code=CODE_TIMEOUT) from exc
    except SSLError as exc:
        raise RetryableSendError(f"TLS with {what} failed: {exc}", code=CODE_TLS) from exc
    except (ProtocolError, HTTPError, OSError) as exc:
        raise RetryableSendError(
            f"connection to {what} failed: {exc}", code=CODE_CONNECTION
        ) from exc
    return HttpAnswer(status=response.status, headers=response.headers, body=data)


def _budget(timeout: urllib3.Timeout) -> float:
    """Seconds the whole exchange may take: the connect and read timeouts together."""
    parts = [timeout.connect_timeout, timeout.read_timeout]
    return float(sum(p for p in parts if isinstance(p, int | float))) or 30.0


def raise_for_status(answer: HttpAnswer, *, what: str, detail: str | None = None) -> None:
    """2xx passes; 5xx, 408 and 429 are retryable; anything else (3xx, 4xx) is permanent.

    `detail` is what to quote from the answer; by default an excerpt of its body.
    """
    status = answer.status
    if 200 <= status < 300:
        return
    said = excerpt(answer.body) if detail is None else detail
    message = f"{what} answered HTTP {status}"
    if said:
        message += f": {said}"
    # 408 (the server gave up waiting for our request) is as transient as a 503.
    if status >= 500 or status in (408, 429):
        raise RetryableSendError(
            message,
            code=CODE_HTTP_STATUS,
            status_code=status,
            response_excerpt=excerpt(answer.body),
            retry_after=retry_after_seconds(answer.headers.get("Retry-After")),
        )
    if 300 <= status < 400:
        message += " (redirects are not followed)"
    raise PermanentSendError(
        message, code=CODE_HTTP_STATUS, status_code=status, response_excerpt=excerpt(answer.body)
    )


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After is either seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class _SharedPool:
    """A PoolManager per process, for endpoints the operator configured (the SMS provider).

    Celery's prefork workers fork after import: a pool inherited across fork would share
    sockets with the parent, so a new process gets a new pool.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = -1
        self._pool: urllib3.PoolManager | None = None

    def get(self) -> urllib3.PoolManager:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = urllib3.PoolManager(num_pools=4, maxsize=4, retries=False)
                self._pid = os.getpid()
            return self._pool


shared_pool = _SharedPool()
