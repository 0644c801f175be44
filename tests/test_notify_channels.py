"""The notification channels against real local servers: an HTTP(S) receiver for webhooks
and the SMS provider, an SMTP server for e-mail. No database is used.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from dockpulse.notify import PermanentSendError, RetryableSendError
from dockpulse.notify import sms as sms_module
from dockpulse.notify.email import IDEMPOTENCY_HEADER, send_email
from dockpulse.notify.sms import ConsoleSmsBackend, FileSmsBackend, SmsMessage, send_sms
from dockpulse.notify.templates import render_message
from dockpulse.notify.transport import retry_after_seconds
from dockpulse.notify.webhooks import (
    generate_secret,
    send_webhook,
    sign,
    validate_webhook_url,
    verify,
    verify_headers,
)

ALLOW_PRIVATE = override_settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True)
DENY_PRIVATE = override_settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=False)

ORDER = {
    "number": "2025/00123",
    "status": "confirmed",
    "customer_name": "Smith & Sons",
    "customer_phone": "+48600100200",
    "customer_email": "anna@example.com",
    "total_net": "149.46",
    "total_vat": "34.37",
    "total_gross": "183.83",
    "delivery_date": "2025-06-01",
    "tracking_number": "PL0012345678",
    "items": [],
}


# --- a local HTTP receiver -----------------------------------------------------------


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Route:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


ROUTES: dict[str, Route] = {
    "/ok": Route(),
    "/sms/ok": Route(body=b'{"id": "sms-1", "status": "queued"}'),
    "/fail": Route(status=500, body=b"internal error"),
    "/busy": Route(status=429, headers={"Retry-After": "7"}),
    "/bad": Route(status=400, body=b'{"error": {"message": "invalid number"}}'),
    "/gone": Route(status=404, body=b"no such hook"),
    "/redirect": Route(status=302, headers={"Location": "/ok"}, body=b""),
    "/slow": Route(delay=1.5),
}


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = self.path
        self.server.requests.append(
            Recorded(path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        route = ROUTES.get(path.split("?")[0], Route(status=404, body=b"not found"))
        if route.delay:
            time.sleep(route.delay)
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        self.wfile.write(route.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet test output


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[Recorded] = []
        if context is not None:
            self.socket = context.wrap_socket(self.socket, server_side=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and left is what some tests want


def _serve(server: socketserver.BaseServer) -> Iterator[Any]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def http_receiver() -> Iterator[_Receiver]:
    yield from _serve(_Receiver())


@pytest.fixture
def receiver(http_receiver: _Receiver) -> _Receiver:
    http_receiver.requests.clear()
    return http_receiver


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Answers chosen names with chosen addresses (one list per lookup, the last one
    repeating); other names go to the real resolver. Returns the names looked up."""
    real = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {}
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return real(host, port, *args, **kwargs)
        lookups.append(name)
        queue = answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        port_number = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port_number, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port_number))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def add(name: str, *per_lookup: list[str]) -> list[str]:
        answers[name] = list(per_lookup)
        return lookups

    return add


# --- webhooks: signing ---------------------------------------------------------------


def _independent_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.split("_", 1)[1])
    mac = hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, "sha256")
    return "v1," + base64.b64encode(mac.digest()).decode()


def test_generated_secret_is_whsec_base64_of_32_bytes():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert generate_secret() != secret


def test_sign_gives_the_specifications_test_vector():
    # The example of the Standard Webhooks specification and its reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    signature = sign(
        secret=secret, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=body
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signature == _independent_signature(
        secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body
    )


def test_verify_refuses_tampering_wrong_secret_and_replays():
    secret = generate_secret()
    now = 1_700_000_000
    body = b'{"a":1}'
    signature = sign(secret=secret, msg_id="msg_1", timestamp=now, body=body)
    ok: dict[str, Any] = {
        "secret": secret,
        "msg_id": "msg_1",
        "timestamp": now,
        "signature": signature,
    }
    assert verify(**ok, body=body, now=now + 10)
    assert not verify(**ok, body=b'{"a":2}', now=now)
    assert not verify(**{**ok, "secret": generate_secret()}, body=body, now=now)
    assert not verify(**{**ok, "msg_id": "msg_2"}, body=body, now=now)
    assert not verify(**ok, body=body, now=now + 301)  # too old: a replay
    assert not verify(**{**ok, "signature": "v1,ąę"}, body=body, now=now)
    assert not verify(**{**ok, "timestamp": "soon"}, body=body, now=now)
    # Several signatures (a secret being rotated): one valid is enough.
    assert verify(**{**ok, "signature": f"v1,bm9wZQ== {signature}"}, body=body, now=now)


def test_invalid_secret_is_a_value_error():
    with pytest.raises(ValueError, match="whsec_"):
        sign(secret="whsec_not base64!", msg_id="m", timestamp=1, body=b"")


# --- webhooks: sending ---------------------------------------------------------------


@ALLOW_PRIVATE
def test_webhook_is_signed_json_with_standard_headers(receiver):
    secret = generate_secret()
    payload = {"type": "order.created", "data": {"total": Decimal("183.83"), "name": "Łódź"}}

    result = send_webhook(
        url=receiver.url("/ok?x=1"), secret=secret, msg_id="msg_1", payload=payload
    )

    assert result.status_code == 200
    assert result.response_excerpt == '{"ok": true}'
    [request] = receiver.requests
    assert request.path == "/ok?x=1"
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["host"] == f"127.0.0.1:{receiver.port}"
    assert headers["webhook-id"] == "msg_1"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert headers["webhook-signature"] == _independent_signature(
        secret, "msg_1", headers["webhook-timestamp"], request.body
    )
    assert verify_headers(secret=secret, headers=headers, body=request.body)
    assert json.loads(request.body) == {
        "type": "order.created",
        "data": {"total": "183.83", "name": "Łódź"},
    }


@ALLOW_PRIVATE
def test_webhook_with_two_secrets_verifies_with_either(receiver):
    old, new = generate_secret(), generate_secret()
    send_webhook(url=receiver.url("/ok"), secret=[old, new], msg_id="msg_2", payload={"a": 1})
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split()) == 2
    for secret in (old, new):
        assert verify_headers(secret=secret, headers=request.headers, body=request.body)


@ALLOW_PRIVATE
@pytest.mark.parametrize(
    ("path", "status", "retry_after"), [("/fail", 500, None), ("/busy", 429, 7.0)]
)
def test_webhook_5xx_and_429_are_retryable(receiver, path, status, retry_after):
    with pytest.raises(RetryableSendError) as caught:
        send_webhook(url=receiver.url(path), secret=generate_secret(), msg_id="m", payload={})
    assert caught.value.status_code == status
    assert caught.value.retry_after == retry_after


@ALLOW_PRIVATE
@pytest.mark.parametrize(("path", "status"), [("/bad", 400), ("/gone", 404)])
def test_webhook_other_4xx_is_permanent(receiver, path, status):
    with pytest.raises(PermanentSendError) as caught:
        send_webhook(url=receiver.url(path), secret=generate_secret(), msg_id="m", payload={})
    assert caught.value.status_code == status


@ALLOW_PRIVATE
def test_webhook_redirect_is_not_followed(receiver):
    with pytest.raises(PermanentSendError, match="302") as caught:
        send_webhook(
            url=receiver.url("/redirect"), secret=generate_secret(), msg_id="m", payload={}
        )
    assert caught.value.status_code == 302
    assert [r.path for r in receiver.requests] == ["/redirect"]


@ALLOW_PRIVATE
def test_webhook_slow_endpoint_hits_the_read_timeout(receiver):
    started = time.monotonic()
    with pytest.raises(RetryableSendError) as caught:
        send_webhook(
            url=receiver.url("/slow"),
            secret=generate_secret(),
            msg_id="m",
            payload={},
            timeout=(1.0, 0.3),
        )
    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 1.2


@ALLOW_PRIVATE
@override_settings(WEBHOOK_READ_TIMEOUT=0.3)
def test_webhook_read_timeout_comes_from_settings(receiver):
    with pytest.raises(RetryableSendError, match="did not answer in time"):
        send_webhook(url=receiver.url("/slow"), secret=generate_secret(), msg_id="m", payload={})


@ALLOW_PRIVATE
def test_webhook_connection_refused_is_retryable():
    with pytest.raises(RetryableSendError) as caught:
        send_webhook(
            url=f"http://127.0.0.1:{_closed_port()}/",
            secret=generate_secret(),
            msg_id="m",
            payload={},
        )
    assert caught.value.code == "connection"


@DENY_PRIVATE
@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("localhost", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("169.254.169.254", "link-local"),
        ("[fe80::1]", "link-local"),
        ("10.1.2.3", "private network"),
        ("192.168.0.10", "private network"),
        ("[fd00::1]", "private network"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address to refuse, not to bind)
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("2130706433", "loopback"),  # 127.0.0.1 written as one number
        ("0x7f.1", "loopback"),
        ("[2002:7f00:1::]", "loopback"),  # 6to4 of 127.0.0.1
        ("[64:ff9b::a00:1]", "private network"),  # NAT64 of 10.0.0.1
    ],
)
def test_webhook_to_a_non_public_address_is_refused(receiver, host, reason):
    with pytest.raises(PermanentSendError) as caught:
        send_webhook(
            url=f"http://{host}:{receiver.port}/ok",
            secret=generate_secret(),
            msg_id="m",
            payload={},
        )
    assert caught.value.code == "address_refused"
    assert " is private " in caught.value.message
    assert f"({reason})" in caught.value.message
    assert receiver.requests == []


def test_webhook_loopback_message_names_the_address(receiver):
    # The default setting (not overridden): private addresses are refused.
    with pytest.raises(PermanentSendError, match=r"webhook address 127\.0\.0\.1 is private"):
        send_webhook(url=receiver.url("/ok"), secret=generate_secret(), msg_id="m", payload={})
    assert receiver.requests == []


@DENY_PRIVATE
def test_webhook_name_with_any_private_answer_is_refused_before_connecting(fake_dns):
    lookups = fake_dns("mixed.example", ["93.184.215.14", "127.0.0.1"])
    with pytest.raises(PermanentSendError, match=r"127\.0\.0\.1.*mixed\.example resolves to it"):
        send_webhook(url="https://mixed.example/", secret=generate_secret(), msg_id="m", payload={})
    assert lookups == ["mixed.example"]


@ALLOW_PRIVATE
def test_webhook_connects_to_the_checked_address_without_a_second_lookup(receiver, fake_dns):
    # A rebinding name: the first answer is where the receiver is; a second lookup would
    # get an address where nothing answers.
    lookups = fake_dns("rebind.example", ["127.0.0.1"], ["10.255.255.1"])
    result = send_webhook(
        url=receiver.url("/ok", host="rebind.example"),
        secret=generate_secret(),
        msg_id="m",
        payload={},
        timeout=(0.5, 2.0),
    )
    assert result.status_code == 200
    assert lookups == ["rebind.example"]
    [request] = receiver.requests
    assert request.headers["host"] == f"rebind.example:{receiver.port}"


@ALLOW_PRIVATE
def test_webhook_tries_the_next_address_when_one_refuses_connections(receiver, fake_dns):
    # Nothing listens on 127.0.0.2 (the receiver is bound to 127.0.0.1 only).
    fake_dns("two.example", ["127.0.0.2", "127.0.0.1"])
    result = send_webhook(
        url=receiver.url("/ok", host="two.example"),
        secret=generate_secret(),
        msg_id="m",
        payload={},
    )
    assert result.status_code == 200
    assert len(receiver.requests) == 1


@ALLOW_PRIVATE
def test_webhook_unresolvable_host_is_retryable(fake_dns):
    fake_dns("nowhere.example", [])
    with pytest.raises(RetryableSendError) as caught:
        send_webhook(
            url="https://nowhere.example/", secret=generate_secret(), msg_id="m", payload={}
        )
    assert caught.value.code == "dns"


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/", "https://user:pw@hooks.example.com/", "https:///x", ""]
)
def test_webhook_to_an_unusable_url_is_permanent(url):
    with pytest.raises(PermanentSendError) as caught:
        send_webhook(url=url, secret=generate_secret(), msg_id="m", payload={})
    assert caught.value.code == "invalid_url"


def test_webhook_msg_id_must_be_header_safe():
    with pytest.raises(ValueError, match="printable ASCII"):
        send_webhook(
            url="https://hooks.example.com/", secret=generate_secret(), msg_id="a\r\nb", payload={}
        )


# --- webhooks over TLS ---------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A private CA and a certificate for hooks.example signed by it."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DockPulse test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.example")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.example")]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


@pytest.fixture(scope="module")
def tls_receiver(tls_files: tuple[Path, Path, Path]) -> Iterator[tuple[_Receiver, list[str]]]:
    _ca, cert_file, key_file = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server_names: list[str] = []

    def remember_name(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        server_names.append(name or "")

    context.sni_callback = remember_name
    for server in _serve(_Receiver(context)):
        yield server, server_names


@ALLOW_PRIVATE
def test_webhook_over_tls_checks_the_certificate_for_the_url_host(
    tls_receiver, tls_files, fake_dns, monkeypatch
):
    server, server_names = tls_receiver
    server.requests.clear()
    # The system trust store, pointed at the test CA (OpenSSL reads this on every load).
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))
    fake_dns("hooks.example", ["127.0.0.1"])
    fake_dns("wrong.example", ["127.0.0.1"])

    result = send_webhook(
        url=server.url("/ok", host="hooks.example"),
        secret=generate_secret(),
        msg_id="m",
        payload={},
    )
    assert result.status_code == 200
    assert server_names[-1] == "hooks.example"  # SNI carries the name, not the address
    assert server.requests[-1].headers["host"] == f"hooks.example:{server.port}"

    # Same address, a name the certificate does not cover: refused by the TLS check.
    with pytest.raises(RetryableSendError) as caught:
        send_webhook(
            url=server.url("/ok", host="wrong.example"),
            secret=generate_secret(),
            msg_id="m",
            payload={},
        )
    assert caught.value.code == "tls"
    assert len(server.requests) == 1


# --- webhook URL validation ----------------------------------------------------------


@DENY_PRIVATE
def test_validate_webhook_url_accepts_public_urls():
    assert validate_webhook_url(" https://hooks.example.com/in?x=1 ") == (
        "https://hooks.example.com/in?x=1"
    )
    assert validate_webhook_url("http://93.184.215.14:8080/") == "http://93.184.215.14:8080/"
    assert validate_webhook_url("https://bücher.example/") == "https://bücher.example/"


@DENY_PRIVATE
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://hooks.example.com/", "Only http:// and https://"),
        ("https://user:secret@hooks.example.com/", "user name or password"),
        ("https://hooks.example.com:99999/", "valid port"),
        ("https://exa mple.com/", "valid URL"),
        ("https://-bad-.example.com/", "valid host name"),
        ("https://127.0.0.1/", "127.0.0.1 is not public"),
        ("http://[::1]/", "::1 is not public"),
        ("http://[::ffff:127.0.0.1]/", "is not public"),
        ("http://169.254.169.254/latest/meta-data/", "is not public"),
        ("http://2130706433/", "127.0.0.1 is not public"),
        ("http://localhost:8000/", "fully qualified"),
        ("http://intranet/", "fully qualified"),
        ("http://api.localhost/", "fully qualified"),
    ],
)
def test_validate_webhook_url_refuses(url, words):
    with pytest.raises(ValidationError) as caught:
        validate_webhook_url(url)
    assert words in caught.value.messages[0]


@ALLOW_PRIVATE
def test_validate_webhook_url_allows_private_when_configured():
    assert validate_webhook_url("http://127.0.0.1:8000/hook") == "http://127.0.0.1:8000/hook"
    assert validate_webhook_url("http://localhost:8000/") == "http://localhost:8000/"
    with pytest.raises(ValidationError):
        validate_webhook_url("gopher://127.0.0.1/")


@DENY_PRIVATE
def test_validate_webhook_url_message_is_translated_under_the_active_language():
    # No Polish catalogue entry yet: the message comes back (in English) without failing.
    with translation.override("pl"), pytest.raises(ValidationError) as caught:
        validate_webhook_url("ftp://x.example/")
    assert caught.value.code == "invalid_url"


# --- SMS -----------------------------------------------------------------------------


def _http_sms(receiver: _Receiver, path: str, **extra: Any) -> override_settings:
    return override_settings(
        SMS_BACKEND="dockpulse.notify.sms.HttpSmsBackend",
        SMS_PROVIDER_URL=receiver.url(path),
        SMS_PROVIDER_TOKEN="token-123",
        **extra,
    )


def test_http_sms_sends_json_with_bearer_token_and_idempotency_key(receiver):
    with _http_sms(receiver, "/sms/ok"):
        result = send_sms(to="+48600100200", body="Zamówienie 1 wysłane", idempotency_key="d-1")
    assert result.provider_message_id == "sms-1"
    assert result.status_code == 200
    [request] = receiver.requests
    assert request.headers["authorization"] == "Bearer token-123"
    assert request.headers["idempotency-key"] == "d-1"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {
        "to": "+48600100200",
        "message": "Zamówienie 1 wysłane",
        "idempotency_key": "d-1",
    }


def test_http_sms_5xx_is_retryable(receiver):
    with _http_sms(receiver, "/fail"), pytest.raises(RetryableSendError) as caught:
        send_sms(to="+48600100200", body="x", idempotency_key="d-2")
    assert caught.value.status_code == 500


def test_http_sms_4xx_is_permanent_with_the_providers_message(receiver):
    with _http_sms(receiver, "/bad"), pytest.raises(PermanentSendError) as caught:
        send_sms(to="+48600100200", body="x", idempotency_key="d-3")
    assert caught.value.status_code == 400
    assert "invalid number" in caught.value.message


def test_http_sms_timeout_and_refused_connection_are_retryable(receiver):
    with _http_sms(receiver, "/slow", SMS_READ_TIMEOUT=0.3), pytest.raises(RetryableSendError):
        send_sms(to="+48600100200", body="x", idempotency_key="d-4")
    with (
        override_settings(
            SMS_BACKEND="dockpulse.notify.sms.HttpSmsBackend",
            SMS_PROVIDER_URL=f"http://127.0.0.1:{_closed_port()}/sms",
        ),
        pytest.raises(RetryableSendError) as caught,
    ):
        send_sms(to="+48600100200", body="x", idempotency_key="d-5")
    assert caught.value.code == "connection"


def test_http_sms_redirect_is_not_followed(receiver):
    with _http_sms(receiver, "/redirect"), pytest.raises(PermanentSendError):
        send_sms(to="+48600100200", body="x", idempotency_key="d-6")
    assert [r.path for r in receiver.requests] == ["/redirect"]


def test_file_sms_backend_appends_json_lines(tmp_path):
    path = tmp_path / "sms" / "out.jsonl"
    with override_settings(SMS_BACKEND="dockpulse.notify.sms.FileSmsBackend", SMS_FILE_PATH=path):
        send_sms(to="+48600100200", body="Pierwsza\nlinia", idempotency_key="k-1")
        send_sms(to="+48600100201", body="Druga", idempotency_key="k-2")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(m["to"], m["body"], m["idempotency_key"]) for m in lines] == [
        ("+48600100200", "Pierwsza\nlinia", "k-1"),
        ("+48600100201", "Druga", "k-2"),
    ]
    assert all(dt.datetime.fromisoformat(m["sent_at"]).tzinfo for m in lines)


def test_file_sms_backend_keeps_lines_whole_under_concurrent_appends(tmp_path):
    path = tmp_path / "out.jsonl"
    body = "x" * 5000  # larger than a pipe buffer: one write call must still keep it whole

    def writer(n: int) -> None:
        backend = FileSmsBackend(file_path=path)
        for i in range(40):
            backend.send_message(
                SmsMessage(
                    to="+48600100200",
                    body=body,
                    idempotency_key=f"{n}-{i}",
                    sent_at=dt.datetime.now(dt.UTC),
                )
            )

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = [json.loads(line)["idempotency_key"] for line in path.read_text().splitlines()]
    assert sorted(keys) == sorted(f"{n}-{i}" for n in range(6) for i in range(40))


def test_console_sms_backend_prints_the_message(capsys):
    with override_settings(SMS_BACKEND="dockpulse.notify.sms.ConsoleSmsBackend"):
        send_sms(to="+48600100200", body="Hello there", idempotency_key="c-1")
    out = capsys.readouterr().out
    assert "+48600100200" in out
    assert "Hello there" in out
    assert "c-1" in out


def test_console_sms_backend_is_the_default(capsys):
    with override_settings():
        del settings.SMS_BACKEND  # whether or not settings.py names one
        assert isinstance(sms_module.get_sms_backend(), ConsoleSmsBackend)
        send_sms(to="+48600100200", body="Default", idempotency_key="c-2")
    assert "Default" in capsys.readouterr().out


@override_settings(SMS_BACKEND="dockpulse.notify.sms.LocmemSmsBackend")
def test_locmem_sms_backend_and_recipient_checks():
    sms_module.outbox.clear()
    send_sms(to="+48600100200", body="Hi", idempotency_key="l-1")
    assert [(m.to, m.body) for m in sms_module.outbox] == [("+48600100200", "Hi")]
    for bad in ("600100200", "+0600100200", "+48 600 100 200", ""):
        with pytest.raises(PermanentSendError) as caught:
            send_sms(to=bad, body="Hi", idempotency_key="l-2")
        assert caught.value.code == "invalid_recipient"
    with pytest.raises(ValueError, match="idempotency_key"):
        send_sms(to="+48600100200", body="Hi", idempotency_key="has space")
    assert len(sms_module.outbox) == 1


# --- e-mail --------------------------------------------------------------------------


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_email_carries_the_idempotency_key_and_a_stable_message_id():
    mail.outbox = []
    first = send_email(
        to=["anna@example.com"],
        subject="Order 1\nconfirmed\n",
        body="Your order is confirmed.",
        html="<p>Your order is confirmed.</p>",
        idempotency_key="delivery-42",
    )
    again = send_email(
        to=["anna@example.com"], subject="Order 1", body="x", idempotency_key="delivery-42"
    )
    other = send_email(to=["anna@example.com"], subject="x", body="x", idempotency_key="other")

    assert len(mail.outbox) == 3
    message = mail.outbox[0]
    assert message.subject == "Order 1 confirmed"
    parsed = message.message()
    assert parsed[IDEMPOTENCY_HEADER] == "delivery-42"
    assert parsed["Message-ID"] == first.provider_message_id
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert isinstance(message, mail.EmailMultiAlternatives)
    assert message.alternatives[0][1] == "text/html"
    assert first.provider_message_id == again.provider_message_id != other.provider_message_id
    assert first.provider_message_id and first.provider_message_id.startswith("<")


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
@pytest.mark.parametrize("to", [[], ["not-an-address"], ["anna@example.com", "x@"]])
def test_email_to_an_invalid_address_is_permanent(to):
    mail.outbox = []
    with pytest.raises(PermanentSendError) as caught:
        send_email(to=to, subject="s", body="b", idempotency_key="k")
    assert caught.value.code == "invalid_recipient"
    assert mail.outbox == []


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP: refuses nobody@ for good (550) and later@ for now (450)."""

    server: _SmtpServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        data: list[bytes] = []
        in_data = False
        while raw := self.rfile.readline():
            if in_data:
                if raw == b".\r\n":
                    in_data = False
                    self.server.messages.append(b"".join(data))
                    self.reply("250 queued")
                else:
                    data.append(raw)
                continue
            command = raw.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "RCPT" and "nobody@" in command:
                self.reply("550 5.1.1 no such user")
            elif verb == "RCPT" and "later@" in command:
                self.reply("450 4.2.0 mailbox busy")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 ok")
            elif verb == "DATA":
                in_data = True
                self.reply("354 go ahead")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.messages: list[bytes] = []


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[_SmtpServer]:
    yield from _serve(_SmtpServer())


def _smtp(server: _SmtpServer | None = None) -> override_settings:
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=server.server_address[1] if server else _closed_port(),
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_TIMEOUT=2,
    )


def test_email_over_smtp_delivers_with_the_headers(smtp_server):
    smtp_server.messages.clear()
    with _smtp(smtp_server):
        send_email(to=["anna@example.com"], subject="Hi", body="Body", idempotency_key="smtp-1")
    [raw] = smtp_server.messages
    assert b"X-Idempotency-Key: smtp-1" in raw


@pytest.mark.parametrize(
    ("to", "error"),
    [
        (["nobody@example.com"], PermanentSendError),
        (["later@example.com"], RetryableSendError),
        (["nobody@example.com", "later@example.com"], RetryableSendError),
    ],
)
def test_email_recipients_refused_by_the_server(smtp_server, to, error):
    with _smtp(smtp_server), pytest.raises(error):
        send_email(to=to, subject="Hi", body="Body", idempotency_key="smtp-2")


def test_email_silent_server_times_out_as_retryable():
    with socket.socket() as silent:  # accepts connections (the backlog), never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        with (
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=silent.getsockname()[1],
                EMAIL_TIMEOUT=0.3,
            ),
            pytest.raises(RetryableSendError),
        ):
            send_email(to=["anna@example.com"], subject="s", body="b", idempotency_key="k")
    assert time.monotonic() - started < 2


def test_email_unreachable_server_is_retryable():
    with _smtp(), pytest.raises(RetryableSendError) as caught:
        send_email(to=["anna@example.com"], subject="s", body="b", idempotency_key="k")
    assert caught.value.code == "connection"


# --- templates -----------------------------------------------------------------------


def test_sms_order_created_for_admins():
    message = render_message(
        channel="sms", event_type="order.created", payload=ORDER, language="en"
    )
    assert message.subject == ""
    assert message.body == "New order 2025/00123 from Smith & Sons, total 183.83 PLN."
    assert len(message.body) < 160
    long_name = {**ORDER, "customer_name": "A" * 200, "total_gross": "123456.78"}
    long = render_message(
        channel="sms", event_type="order.created", payload=long_name, language="en"
    )
    assert len(long.body) < 160
    assert long.body.isascii()  # stays in the GSM alphabet: 160 characters a part


def test_sms_order_shipped_for_the_customer_with_tracking_number():
    message = render_message(
        channel="sms",
        event_type="order.shipped",
        payload=ORDER,
        language="en",
        context={"tenant_name": "Company A"},
    )
    assert message.body == (
        "Company A: Your order 2025/00123 has been shipped. Tracking number: PL0012345678."
    )
    assert len(message.body) < 160
    no_tracking = {**ORDER, "tracking_number": None}
    assert (
        "Tracking"
        not in render_message(
            channel="sms", event_type="order.shipped", payload=no_tracking, language="en"
        ).body
    )


def test_email_order_confirmed_for_the_customer():
    message = render_message(
        channel="email",
        event_type="order.confirmed",
        payload=ORDER,
        language="en",
        currency="EUR",
        context={"tenant_name": "Company A"},
    )
    assert message.subject == "[Company A] Order 2025/00123 confirmed"
    assert message.body.startswith(
        "Hello Smith & Sons,\n\nYour order 2025/00123 has been confirmed."
    )
    assert "Total: 183.83 EUR" in message.body
    assert "Delivery date: June 1, 2025" in message.body
    assert message.body.endswith("Company A")
    assert "\n\n\n" not in message.body
    undated = render_message(
        channel="email",
        event_type="order.confirmed",
        payload={**ORDER, "delivery_date": None},
        language="en",
    )
    assert "Delivery" not in undated.body
    assert "Total: 183.83 PLN" in undated.body  # the default currency


def test_currency_can_come_from_the_payload():
    message = render_message(
        channel="sms",
        event_type="order.created",
        payload={**ORDER, "currency": "USD"},
        language="en",
    )
    assert message.body.endswith("183.83 USD.")


def test_rendering_under_polish_uses_polish_formats():
    sms = render_message(channel="sms", event_type="order.created", payload=ORDER, language="pl")
    assert "2025/00123" in sms.body
    assert "183,83 PLN" in sms.body  # the Polish decimal comma
    email = render_message(
        channel="email", event_type="order.confirmed", payload=ORDER, language="pl"
    )
    assert "2025/00123" in email.subject
    assert "1 czerwca 2025" in email.body
    # The language is only active while rendering.
    assert translation.get_language() == "en"


@pytest.mark.parametrize("channel", ["sms", "email", "push"])
def test_unknown_event_falls_back_to_the_channels_default(channel):
    message = render_message(
        channel=channel,
        event_type="customer.created",
        payload={"name": "Anna Nowak", "id": "f0e1"},
        language="en",
    )
    assert "customer.created" in message.body
    assert "Anna Nowak" in message.body
    if channel in ("email", "push"):
        assert "customer.created" in message.subject
    else:
        assert message.subject == ""


def test_template_name_is_tried_first_then_the_event_type():
    by_event = render_message(
        channel="sms",
        event_type="order.created",
        payload=ORDER,
        language="en",
        template_name="no-such-template",
    )
    assert by_event.body.startswith("New order")
    chosen = render_message(
        channel="sms",
        event_type="order.paid",
        payload=ORDER,
        language="en",
        template_name="order.shipped",
    )
    assert "has been shipped" in chosen.body


def test_html_in_values_is_not_escaped_in_plain_text():
    message = render_message(
        channel="sms",
        event_type="order.created",
        payload={**ORDER, "customer_name": "<b>O'Brien</b>"},
        language="en",
    )
    assert "<b>O'Brien</b>" in message.body


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"channel": "../sms"},
        {"channel": "SMS"},
        {"event_type": "order/../../x"},
        {"template_name": "../../base"},
    ],
)
def test_malformed_names_are_refused(kwargs):
    arguments = {"channel": "sms", "event_type": "order.created", "payload": {}, "language": "en"}
    with pytest.raises(ValueError):
        render_message(**{**arguments, **kwargs})


# --- small helpers -------------------------------------------------------------------


def test_retry_after_accepts_seconds_and_http_dates():
    now = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("999999") == 3600.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
