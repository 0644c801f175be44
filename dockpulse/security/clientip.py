"""The client's IP address, as the proxies we deploy behind report it.

X-Forwarded-For can be written by anyone; only the entries our own proxies appended are
true. With NUM_PROXIES = n (Caddy in deploy/ is 1), the client is the n-th address from
the right; with 0, the peer of the TCP connection. DRF's throttles read the same setting
(REST_FRAMEWORK["NUM_PROXIES"]), so a lockout and a throttle count the same address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
