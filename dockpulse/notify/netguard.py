"""Which network addresses a webhook may reach (server-side request forgery guard).

A tenant chooses its webhook URLs, so without this a tenant could make our workers POST
to the cloud metadata service (169.254.169.254), to Redis or PostgreSQL on loopback, or to
anything on the private network. The check runs on the addresses a host name resolves
to, and the connection then goes to the checked address (webhooks.py): checking a name and
letting the HTTP client resolve it again would let a DNS answer that changes between the
two lookups (DNS rebinding) walk around the check.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# NAT64 (RFC 6052): a gateway forwards these to the IPv4 address in the last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LEGACY_IPV4_CHARS = re.compile(r"^[0-9a-fA-FxX.]+$")
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
MAX_URL_LENGTH = 2048


class UrlProblem(ValueError):
    """Why a URL cannot be used; `reason` is one of the REASON_* values."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


REASON_SYNTAX = "syntax"
REASON_SCHEME = "scheme"
REASON_CREDENTIALS = "credentials"
REASON_HOST = "host"
REASON_PORT = "port"


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed http(s) URL, with what the request needs."""

    scheme: str
    host: str  # ASCII (IDNA), lower case, no brackets
    port: int
    request_target: str  # path and query, what goes on the request line
    host_header: str
    ip: IPAddress | None  # the host, when it is an address rather than a name


def parse_target(url: str) -> Target:
    """Check the URL's syntax (not where it points); UrlProblem says what is wrong."""
    if not isinstance(url, str) or not url:
        raise UrlProblem(REASON_SYNTAX, "the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise UrlProblem(REASON_SYNTAX, f"the URL is longer than {MAX_URL_LENGTH} characters")
    # urlsplit quietly drops some of these, and a backslash is read as a path separator by
    # some parsers and not others: a URL that parses differently in two places is refused.
    if any(ch.isspace() or ord(ch) < 0x20 or ch in "\\\x7f" for ch in url):
        raise UrlProblem(REASON_SYNTAX, "the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlProblem(REASON_PORT, f"the URL is malformed: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UrlProblem(REASON_SCHEME, "only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None:
        # Never sent by our client, and "https://bank.com@evil.example" misleads readers.
        raise UrlProblem(REASON_CREDENTIALS, "the URL must not contain a user name or password")
    if port == 0:
        raise UrlProblem(REASON_PORT, "port 0 is not a valid port")
    host = parts.hostname or ""
    if not host:
        raise UrlProblem(REASON_HOST, "the URL has no host")
    ip = literal_ip(host)
    ascii_host = str(ip) if ip is not None else _ascii_hostname(host)
    port = port or (443 if scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    shown_host = f"[{ascii_host}]" if isinstance(ip, ipaddress.IPv6Address) else ascii_host
    default = port == (443 if scheme == "https" else 80)
    return Target(
        scheme=scheme,
        host=ascii_host,
        port=port,
        request_target=target,
        host_header=shown_host if default else f"{shown_host}:{port}",
        ip=ip,
    )


def _ascii_hostname(host: str) -> str:
    host = host.rstrip(".").lower()
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise UrlProblem(REASON_HOST, f"the host name {host!r} is not valid") from exc
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise UrlProblem(REASON_HOST, f"the host name {host!r} is not valid")
    return ascii_host


def literal_ip(host: str) -> IPAddress | None:
    """The address when `host` is one, including the legacy IPv4 forms the C resolver
    accepts ("127.1", "2130706433", "0x7f.0.0.1"), so none of them passes as a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4_CHARS.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def refusal(ip: IPAddress) -> str | None:
    """Why `ip` must not receive webhooks (a short English phrase), or None if it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address and deliver to it: judged by that address.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = refusal(embedded)
            if reason is not None:
                return reason
    checks: list[tuple[bool, str]] = [
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private network"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "site-local"),
        # What is left, e.g. 100.64.0.0/10 (carrier-grade NAT).
        (not ip.is_global, "not globally routable"),
    ]
    for refused, reason in checks:
        if refused:
            return reason
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to for a TCP connection, in the resolver's order.

    Raises socket.gaierror when the name does not resolve.
    """
    ip = literal_ip(host)
    if ip is not None:
        return [ip]
    found: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    ):
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(sockaddr[0])
        if address not in found:
            found.append(address)
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, "no IPv4 or IPv6 address")
    return found
