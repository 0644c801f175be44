"""Outgoing webhooks, signed as Standard Webhooks (https://www.standardwebhooks.com/).

Each request carries `webhook-id` (the same on every retry of one message, so receivers
can drop duplicates: delivery is at least once), `webhook-timestamp` (Unix seconds, fresh
on every attempt, so receivers can refuse replays) and `webhook-signature`:
`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the base64-decoded part
of the endpoint's `whsec_...` secret. Several signatures, space-separated, let an endpoint
rotate its secret without losing messages.

Where the request may go is checked on the resolved address and the connection is made to
that address (see netguard.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from dockpulse.notify.base import (
    CODE_ADDRESS_REFUSED,
    CODE_DNS,
    CODE_INVALID_URL,
    PermanentSendError,
    SendResult,
    check_idempotency_key,
    excerpt,
)
from dockpulse.notify.netguard import (
    REASON_CREDENTIALS,
    REASON_HOST,
    REASON_PORT,
    REASON_SCHEME,
    IPAddress,
    Target,
    UrlProblem,
    parse_target,
    refusal,
    resolve,
)
from dockpulse.notify.transport import ConnectFailed, post, raise_for_status

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's prefix, not a secret)
SIGNATURE_VERSION = "v1"
# The spec's recommended window for webhook-timestamp, either side of now.
DEFAULT_TOLERANCE_SECONDS = 5 * 60
USER_AGENT = "DockPulse-Webhooks/1.0"
# 32 bytes: inside the spec's 24-64 byte range for secrets.
SECRET_BYTES = 32

DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_READ_TIMEOUT = 10.0


def generate_secret() -> str:
    """A new endpoint secret, `whsec_<base64 of 32 random bytes>`."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from exc
    if not key:
        raise ValueError("the webhook secret is empty")
    return key


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one secret: `v1,<base64 HMAC-SHA256>`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def verify(
    *,
    secret: str,
    msg_id: str,
    timestamp: str | int,
    body: bytes,
    signature: str,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether one of the space-separated signatures in `signature` is valid for `secret`,
    and the timestamp is within `tolerance_seconds` of now (replays are refused).

    `body` must be the raw bytes received: a parsed and re-serialised body will not verify.
    """
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_seconds:
        return False
    expected = sign(secret=secret, msg_id=msg_id, timestamp=sent_at, body=body)
    # Compared as bytes: compare_digest refuses str with non-ASCII characters, and a
    # forged header may contain any.
    expected_bytes = expected.encode("ascii")
    return any(
        hmac.compare_digest(expected_bytes, candidate.encode("utf-8", errors="replace"))
        for candidate in signature.split()
    )


def verify_headers(
    *,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """`verify` reading the three `webhook-*` headers (any letter case) of a request."""
    lower = {name.lower(): value for name, value in headers.items()}
    msg_id = lower.get("webhook-id")
    timestamp = lower.get("webhook-timestamp")
    signature = lower.get("webhook-signature")
    if not (msg_id and timestamp and signature):
        return False
    return verify(
        secret=secret,
        msg_id=msg_id,
        timestamp=timestamp,
        body=body,
        signature=signature,
        tolerance_seconds=tolerance_seconds,
        now=now,
    )


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False))


def validate_webhook_url(url: str) -> str:
    """Check a URL a user gives for an endpoint; returns it stripped of surrounding spaces.

    Syntax only, and the address when the host is one: where a name points is checked at
    every send, because it can change after this check.
    """
    url = url.strip() if isinstance(url, str) else url
    try:
        target = parse_target(url)
    except UrlProblem as exc:
        messages = {
            REASON_SCHEME: _("Only http:// and https:// URLs are allowed."),
            REASON_CREDENTIALS: _("The URL must not contain a user name or password."),
            REASON_HOST: _("Enter a valid host name."),
            REASON_PORT: _("Enter a valid port number."),
        }
        raise ValidationError(
            messages.get(exc.reason, _("Enter a valid URL.")), code="invalid_url"
        ) from exc
    if _allow_private():
        return url
    if target.ip is not None:
        if refusal(target.ip) is not None:
            raise ValidationError(
                _(
                    "The address %(address)s is not public; webhooks can only be sent to "
                    "public addresses."
                ),
                code="private_address",
                params={"address": str(target.ip)},
            )
    elif "." not in target.host or target.host.endswith(".localhost"):
        # A single-label name is resolved through the server's search domains, i.e. to our
        # own network; *.localhost is loopback by definition (RFC 6761).
        raise ValidationError(
            _("Use a public, fully qualified host name (like hooks.example.com)."),
            code="private_address",
        )
    return url


def _signatures(secret: str | Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    secret_list = [secret] if isinstance(secret, str) else list(secret)
    if not secret_list:
        raise ValueError("at least one webhook secret is needed")
    return " ".join(
        sign(secret=one, msg_id=msg_id, timestamp=timestamp, body=body) for one in secret_list
    )


def _checked_addresses(target: Target) -> list[IPAddress]:
    try:
        addresses = resolve(target.host, target.port)
    except (OSError, UnicodeError) as exc:
        # Often temporary (a resolver timeout); when the name is gone for good the task's
        # retries run out.
        raise ConnectFailed(
            f"webhook host {target.host} did not resolve: {exc}", code=CODE_DNS
        ) from exc
    if _allow_private():
        return addresses
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            # Any non-public answer refuses the name: trying only the public ones would
            # still let a name that partly points inside reach in when those fail.
            of_name = f" ({target.host} resolves to it)" if target.ip is None else ""
            raise PermanentSendError(
                f"webhook address {address} is private ({reason}){of_name}",
                code=CODE_ADDRESS_REFUSED,
            )
    return addresses


def _pool_for(
    target: Target, address: IPAddress, timeout: urllib3.Timeout
) -> urllib3.HTTPConnectionPool:
    """A pool that connects to `address` itself, never resolving the name again.

    For https the TLS name (SNI) and the certificate check use the URL's host, as if the
    client had resolved it: the certificate must still be valid for that name.
    """
    if target.scheme == "https":
        by_name = target.ip is None
        return urllib3.HTTPSConnectionPool(
            str(address),
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            assert_hostname=target.host if by_name else None,
            server_hostname=target.host if by_name else None,
        )
    return urllib3.HTTPConnectionPool(
        str(address), target.port, timeout=timeout, maxsize=1, retries=False
    )


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The request body: compact JSON, UTF-8 (Decimal, UUID and datetimes as strings)."""
    return json.dumps(
        payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def send_webhook(
    *,
    url: str,
    secret: str | Sequence[str],
    msg_id: str,
    payload: Mapping[str, Any],
    timeout: tuple[float, float] | None = None,
    timestamp: int | None = None,
) -> SendResult:
    """POST `payload` as signed JSON to `url`; 2xx is success.

    `secret` is the endpoint's secret, or several while it is being rotated. `msg_id` is
    the message's id, the same on every retry. `timeout` is (connect, read) in seconds;
    by default WEBHOOK_CONNECT_TIMEOUT / WEBHOOK_READ_TIMEOUT. `timestamp` (Unix seconds)
    defaults to now.

    Raises RetryableSendError on 5xx, 408, 429, timeouts and connection errors, and
    PermanentSendError on other answers (3xx included), unusable URLs and addresses that
    are not public (unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES).
    """
    check_idempotency_key(msg_id)
    try:
        target = parse_target(url)
    except UrlProblem as exc:
        raise PermanentSendError(
            f"webhook URL cannot be used: {exc}", code=CODE_INVALID_URL
        ) from exc
    addresses = _checked_addresses(target)

    body = encode_payload(payload)
    sent_at = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "Accept-Encoding": "identity",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(sent_at),
        "webhook-signature": _signatures(secret, msg_id, sent_at, body),
    }
    if timeout is None:
        timeout = (
            float(getattr(settings, "WEBHOOK_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)),
            float(getattr(settings, "WEBHOOK_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)),
        )
    limits = urllib3.Timeout(connect=timeout[0], read=timeout[1])

    failure: ConnectFailed | None = None
    # A name with several addresses (IPv6 and IPv4, say): the next one is tried only when
    # no connection was made, so the request is never sent twice here.
    for address in addresses:
        pool = _pool_for(target, address, limits)
        try:
            answer = post(
                pool,
                target.request_target,
                body=body,
                headers=headers,
                timeout=limits,
                what="webhook endpoint",
            )
        except ConnectFailed as exc:
            failure = exc
            continue
        finally:
            pool.close()
        raise_for_status(answer, what="webhook endpoint")
        return SendResult(status_code=answer.status, response_excerpt=excerpt(answer.body))
    if failure is None:  # resolve() never returns an empty list
        raise RuntimeError("no address to send the webhook to")
    raise failure
