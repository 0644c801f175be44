"""The platform host: admins only, a second factor (TOTP or a recovery code) before any
page, the one lockout for codes, idle expiry, tenants' credentials refused, every action
in the audit log with the admin and the IP (docs/platform.md)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dockpulse.tenancy import platform_context
from platform_app.middleware import (
    PUBLIC_VIEWS,
    SECOND_FACTOR_VIEWS,
    SEEN_KEY,
    SELF_GUARDED_VIEWS,
)
from platform_app.models import ModuleRegistry, Tenant, TenantAuditLog
from platform_app.services.access import platform_otp_reset, totp_enrolment_confirm
from platform_app.services.audit import AuditOrigin, audit_record
from tenant_apps.accounts.models import User
from tests.platform_support import (
    ADMIN,
    HOST,
    code_for,
    make_admin,
    password_client,
    verified_client,
    with_device,
)
from tests.support import TENANT_A_ADMIN, TENANT_A_HOST, TEST_PASSWORD, run_manage, tokens

pytestmark = pytest.mark.django_db(databases="__all__")

WRONG = "Wrong e-mail or password."
NOT_RIGHT = "That code is not right."


# --- helpers ------------------------------------------------------------------------------


def audit_rows(action: str) -> list[TenantAuditLog]:
    return list(TenantAuditLog.objects.filter(action=action).order_by("created_at"))


def table_of(html: str) -> str:
    """The audit table's rows (the filters' options name every action too)."""
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""


def platform_paths() -> list[tuple[str, str]]:
    """(path, view name) for every pattern of dockpulse.urls_platform, the Django admin's
    included, with sample values for its parameters."""
    found: list[tuple[str, str]] = []

    def sample(pattern: object) -> str:
        text = str(pattern)
        text = re.sub(
            r"<(?:(\w+):)?(\w+)>", lambda m: str(uuid.uuid4()) if m[1] == "uuid" else "x", text
        )
        # The admin's regex patterns: an alternation of app labels -> its first one.
        text = re.sub(r"\(\?P<\w+>([\w-]+)(?:\|[\w|-]+)?\)", r"\1", text)
        text = re.sub(r"\(\?P<\w+>[^)]*\)", "x", text)
        return text.lstrip("^").replace("$", "").replace("\\Z", "")

    def walk(patterns: Sequence[object], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + sample(entry.pattern), space)
            elif isinstance(entry, URLPattern):
                found.append(("/" + prefix + sample(entry.pattern), f"{namespace}{entry.name}"))

    walk(get_resolver("dockpulse.urls_platform").url_patterns, "", "")
    return found


# --- reaching pages -----------------------------------------------------------------------


def test_the_walk_covers_the_platform_pages_and_the_django_admin():
    names = {name for _, name in platform_paths()}
    assert {"home", "platform_audit", "platform_otp_verify", "platform_otp_enrol"} <= names
    assert {"platform_admin:index", "platform_admin:platform_app_tenant_changelist"} <= names
    assert len(names) > 40


@pytest.mark.parametrize("enrolled", [True, False], ids=["enrolled", "not-enrolled"])
def test_the_password_alone_reaches_nothing_but_the_second_factor_pages(enrolled):
    user = make_admin()
    if enrolled:
        with_device(user)
    step = "/login/code/" if enrolled else "/login/set-up/"
    client = password_client()
    reached = []
    for path, name in platform_paths():
        response = client.get(path)
        body = response.content.decode(errors="replace")
        assert "tenant-a" not in body, (path, name)
        if name in SECOND_FACTOR_VIEWS:
            reached.append(name)
            continue
        if name in SELF_GUARDED_VIEWS:  # a monitor's endpoint: refused, not redirected
            assert response.status_code == 403, (path, name, response.status_code)
            continue
        assert response.status_code == 302, (path, name, response.status_code)
        assert response["Location"].startswith(step), (path, name, response["Location"])
    # The step page itself answers; sign-out and the language switch take POSTs only.
    assert client.get(step).status_code == 200
    assert set(reached) <= SECOND_FACTOR_VIEWS


def test_an_anonymous_visitor_reaches_only_the_sign_in_pages():
    client = Client(HTTP_HOST=HOST)
    for path, name in platform_paths():
        response = client.get(path)
        if name in PUBLIC_VIEWS:
            continue
        if name in SELF_GUARDED_VIEWS:
            assert response.status_code == 403, (path, name, response.status_code)
            continue
        assert response.status_code == 302, (path, name)
        assert response["Location"].startswith("/login/?next="), (path, name)
    assert client.get("/login/").status_code == 200


def test_a_platform_user_without_admin_access_is_signed_out():
    with platform_context():
        User.objects.create_user("clerk@platform.example.com", TEST_PASSWORD, name="Clerk")
    client = password_client("clerk@platform.example.com")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/login/code/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_django_admin_needs_the_second_factor():
    user = make_admin()
    device = with_device(user)
    client = password_client()
    response = client.get("/admin/platform_app/tenant/")
    assert response.status_code == 302 and response["Location"].startswith("/login/code/")
    response = client.get("/admin/login/")
    assert response["Location"].startswith("/login/code/")

    client = verified_client(user, device)
    page = client.get("/admin/platform_app/tenant/").content.decode()
    assert "tenant-a" in page and "tenant-b" in page


# --- enrolment ----------------------------------------------------------------------------


def test_enrolment_shows_the_qr_code_and_secret_then_ten_recovery_codes_once():
    user = make_admin()
    client = password_client()
    response = client.get("/")
    assert response["Location"] == "/login/set-up/?next=%2F"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html
    with platform_context():
        device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    secret = re.search(r'<code class="secret" id="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert secret is not None
    from base64 import b32encode

    assert secret[1].replace(" ", "") == b32encode(device.bin_key).decode().rstrip("=")
    # The strict CSP: no inline script, no style attributes.
    assert " style=" not in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    # A reload shows the same secret (an already scanned code stays right).
    assert secret[0] in client.get("/login/set-up/").content.decode()

    wrong = client.post("/login/set-up/", {"code": "000000", "next": "/"})
    assert NOT_RIGHT in wrong.content.decode()
    with platform_context():
        assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    done = client.post("/login/set-up/", {"code": code_for(device), "next": "/"})
    html = done.content.decode()
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", html)
    assert len(codes) == 10
    with platform_context():
        assert TOTPDevice.objects.get(pk=device.pk).confirmed
        stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == set(codes)
    # Signed in now; the codes are not shown again.
    assert "tenant-a" in client.get("/").content.decode()
    assert client.get("/login/set-up/")["Location"] == "/"
    entry = audit_rows("platform.otp_enrolled")[-1]
    assert (entry.admin_email, entry.ip, entry.tenant) == (ADMIN, "127.0.0.1", None)
    assert audit_rows("platform.otp_failed")[-1].details == {"step": "enrolment"}


# --- verification -------------------------------------------------------------------------


def test_a_totp_code_from_the_devices_secret_signs_in_and_is_audited():
    user = make_admin()
    device = with_device(user)
    client = password_client(address="203.0.113.7")
    response = client.get("/audit/")
    assert response["Location"] == "/login/code/?next=%2Faudit%2F"
    page = client.get(response["Location"]).content.decode()
    assert "authenticator app" in page
    response = client.post("/login/code/", {"code": code_for(device), "next": "/audit/"})
    assert response.status_code == 302 and response["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200
    home = client.get("/").content.decode()
    assert "tenant-a" in home and "Company A" in home
    assert ADMIN in home  # the header names the admin
    entry = audit_rows("platform.signed_in")[-1]
    assert (entry.admin_email, entry.ip) == (ADMIN, "203.0.113.7")
    assert entry.details == {"method": "totp"}


def test_a_used_totp_code_cannot_be_replayed():
    user = make_admin()
    device = with_device(user)
    code = code_for(device)
    first = password_client()
    assert first.post("/login/code/", {"code": code})["Location"] == "/"
    second = password_client()
    assert NOT_RIGHT in second.post("/login/code/", {"code": code}).content.decode()


def test_five_wrong_codes_lock_the_admins_codes():
    user = make_admin()
    device = with_device(user)
    client = password_client()
    for _ in range(5):
        response = client.post("/login/code/", {"code": "123456"})
        assert response.status_code == 200
        assert NOT_RIGHT in response.content.decode()
    locked = client.post("/login/code/", {"code": code_for(device)})
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "Too many failed logins; try again in 15 minutes." in locked.content.decode()
    assert client.get("/").status_code == 302  # still not verified
    assert len(audit_rows("platform.otp_failed")) == 5
    # Another admin from the same address is not locked by it.
    other = make_admin("other@platform.example.com")
    other_device = with_device(other)
    assert verified_client(other, other_device).get("/").status_code == 200


@override_settings(PLATFORM_OTP_MAX_FAILURES_PER_IP=3)
def test_wrong_codes_from_one_address_lock_every_admin_there():
    first = make_admin()
    with_device(first)
    second = make_admin("second@platform.example.com")
    second_device = with_device(second)
    client = password_client(address="198.51.100.9")
    for _ in range(3):
        assert client.post("/login/code/", {"code": "654321"}).status_code == 200
    other = password_client(second.email, address="198.51.100.9")
    assert other.post("/login/code/", {"code": code_for(second_device)}).status_code == 429
    elsewhere = password_client(second.email, address="198.51.100.10")
    assert elsewhere.post("/login/code/", {"code": code_for(second_device)}).status_code == 302


def test_a_recovery_code_works_once():
    user = make_admin()
    with platform_context():
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        device = TOTPDevice.objects.get(user=user)
        enrolled = totp_enrolment_confirm(
            user=user, code=code_for(device), origin=AuditOrigin(ip="127.0.0.1")
        )
    code = enrolled.recovery_codes[3]
    client = password_client()
    # Typed as people do: upper case, with a space.
    response = client.post("/login/code/", {"code": f"{code[:4].upper()} {code[4:]}"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "recovery code: 9 codes are left." in response.content.decode()
    entry = audit_rows("platform.signed_in")[-1]
    assert entry.details == {"method": "recovery", "recovery_codes_left": 9}
    with platform_context():
        assert StaticToken.objects.filter(token=code).count() == 0
        assert StaticDevice.objects.get(user=user).token_set.count() == 9
    again = password_client()
    assert NOT_RIGHT in again.post("/login/code/", {"code": code}).content.decode()


# --- sessions -----------------------------------------------------------------------------


@override_settings(PLATFORM_SESSION_IDLE_MINUTES=30)
def test_a_platform_session_expires_after_inactivity():
    user = make_admin()
    device = with_device(user)
    client = verified_client(user, device)
    assert client.get("/").status_code == 200
    with platform_context():
        session = client.session
        assert session.get_expiry_age() == 30 * 60
        session[SEEN_KEY] = int(session[SEEN_KEY]) - 29 * 60
        session.save()
    assert client.get("/").status_code == 200  # 29 minutes idle: still signed in
    with platform_context():
        session = client.session
        session[SEEN_KEY] = int(session[SEEN_KEY]) - 31 * 60
        session.save()
    response = client.get("/audit/", follow=True)
    assert response.redirect_chain[0][0] == "/login/?next=/audit/"
    assert "signed out after 30 minutes without activity" in response.content.decode()
    assert client.get("/").status_code == 302
    entry = audit_rows("platform.session_expired")[-1]
    assert (entry.admin_email, entry.ip) == (ADMIN, "127.0.0.1")
    assert audit_rows("platform.signed_out") == []


def test_the_staff_panels_sessions_have_no_idle_expiry():
    client = Client(HTTP_HOST=TENANT_A_HOST)
    client.post("/login/", {"username": TENANT_A_ADMIN, "password": TEST_PASSWORD})
    assert client.get("/").status_code == 200
    from dockpulse.tenancy import tenant_context
    from dockpulse.tenancy.registry import registry

    tenant = registry.get("tenant-a")
    assert tenant is not None
    with tenant_context(tenant):
        session = client.session
        assert SEEN_KEY not in session
        assert session.get("_session_expiry") is None


def test_signing_out_is_audited():
    user = make_admin()
    device = with_device(user)
    client = verified_client(user, device)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302
    entry = audit_rows("platform.signed_out")[-1]
    assert (entry.admin_email, entry.ip) == (ADMIN, "127.0.0.1")


def test_a_tenants_staff_session_and_token_never_reach_the_platform():
    staff = Client(HTTP_HOST=TENANT_A_HOST)
    assert (
        staff.post("/login/", {"username": TENANT_A_ADMIN, "password": TEST_PASSWORD}).status_code
        == 302
    )
    assert staff.get("/").status_code == 200
    # The same session cookie on the platform host is nobody.
    stolen = Client(HTTP_HOST=HOST)
    stolen.cookies["sessionid"] = staff.cookies["sessionid"].value
    for path in ("/", "/audit/", "/admin/", "/login/code/"):
        response = stolen.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    # A staff token is nothing here either.
    access = tokens()["access"]
    bearer = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {access}")
    for path in ("/", "/audit/", "/admin/"):
        response = bearer.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    # Nor do the staff's e-mail and password sign in.
    page = Client(HTTP_HOST=HOST).post(
        "/login/", {"username": TENANT_A_ADMIN, "password": TEST_PASSWORD}
    )
    assert page.status_code == 200 and WRONG in page.content.decode()


# --- the audit log ------------------------------------------------------------------------


def test_django_admin_edits_are_audited_with_the_admin_and_ip():
    user = make_admin()
    device = with_device(user)
    client = verified_client(user, device)
    module = ModuleRegistry.objects.order_by("code").first()
    assert module is not None
    response = client.post(
        f"/admin/platform_app/moduleregistry/{module.pk}/change/",
        {
            "code": module.code,
            "name": "Renamed module",
            "description": module.description,
            "templates": ",".join(module.templates),
            "default_templates": ",".join(module.default_templates),
            "config_schema": "{}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = audit_rows("admin.changed")[-1]
    assert (entry.admin_email, entry.ip, entry.tenant) == (ADMIN, "127.0.0.1", None)
    assert entry.details["model"] == "platform_app.ModuleRegistry"
    assert entry.details["object"] == module.code


def _entry(action: str, *, tenant: Tenant | None = None, admin: str = "", ip: str = "10.0.0.1"):
    return audit_record(
        action=action,
        actor=admin or "command",
        tenant=tenant,
        origin=AuditOrigin(admin_email=admin, ip=ip),
        details={"reason": "test"},
    )


def test_the_audit_page_lists_newest_first_in_the_platforms_time_and_filters():
    user = make_admin()
    device = with_device(user)
    tenant_a = Tenant.objects.get(slug="tenant-a")
    tenant_b = Tenant.objects.get(slug="tenant-b")
    old = _entry("tenant.suspended", tenant=tenant_a, admin="anna@platform.example.com")
    TenantAuditLog.objects.filter(pk=old.pk).update(
        created_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    )
    _entry("tenant.created", tenant=tenant_b, admin="bob@platform.example.com", ip="10.0.0.2")
    _entry("platform.otp_reset")
    client = verified_client(user, device)

    html = client.get("/audit/").content.decode()
    rows = table_of(html)
    assert "2026-07-01 12:00" in rows  # 10:00 UTC in Europe/Warsaw (summer time)
    assert "Tenant suspended" in rows and "Tenant created" in rows
    assert "Second factor reset" in rows and "Signed in" in rows and ADMIN in rows
    assert rows.index("Second factor reset") < rows.index("Tenant suspended")  # newest first

    only_a = table_of(client.get("/audit/", {"tenant": "tenant-a"}).content.decode())
    assert "Tenant suspended" in only_a and "bob@platform.example.com" not in only_a
    assert "<td>tenant-b</td>" not in only_a
    by_bob = table_of(client.get("/audit/", {"admin": "bob@platform.example.com"}).content.decode())
    assert "Tenant created" in by_bob and "Tenant suspended" not in by_bob
    assert "10.0.0.2" in by_bob
    resets = table_of(client.get("/audit/", {"action": "platform.otp_reset"}).content.decode())
    assert "Second factor reset" in resets and "Tenant created" not in resets
    # Two filters at once narrow further; no match says so.
    none = client.get("/audit/", {"admin": "anna@platform.example.com", "action": "tenant.created"})
    assert "No entries match these filters." in none.content.decode()

    with override_settings(PLATFORM_AUDIT_PAGE_SIZE=2):
        first = client.get("/audit/").content.decode()
        assert 'rel="next"' in first
        assert table_of(first).count("<tr>") == 2
        last = table_of(client.get("/audit/", {"page": "99"}).content.decode())
        assert "Tenant suspended" in last

    # Only for verified admins.
    assert password_client().get("/audit/")["Location"].startswith("/login/code/")


def test_the_audit_page_in_polish():
    user = make_admin()
    device = with_device(user)
    client = verified_client(user, device)
    client.cookies["django_language"] = "pl"
    html = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert 'lang="pl"' in html


# --- the operator's reset -----------------------------------------------------------------


def test_the_reset_command_removes_the_devices_and_is_audited():
    user = make_admin()
    device = with_device(user)
    with platform_context():
        StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    verified = verified_client(user, device)
    call_command("platform_otp_reset", ADMIN.upper())
    with platform_context():
        assert not TOTPDevice.objects.filter(user=user).exists()
        assert not StaticDevice.objects.filter(user=user).exists()
    entry = audit_rows("platform.otp_reset")[-1]
    assert (entry.actor, entry.admin_email, entry.ip) == ("command", "", None)
    assert entry.details == {"user": ADMIN, "authenticators": 1, "recovery_sets": 1}
    # The session the old device verified has lost its second factor; the next sign-in
    # sets up a new authenticator.
    assert verified.get("/")["Location"].startswith("/login/set-up/")
    assert password_client().get("/")["Location"].startswith("/login/set-up/")


def test_the_reset_command_refuses_an_unknown_email_with_exit_code_2():
    with pytest.raises(CommandError) as refused:
        call_command("platform_otp_reset", "nobody@platform.example.com")
    assert refused.value.returncode == 2
    with pytest.raises(Exception, match="nobody"), platform_context():
        platform_otp_reset(email="nobody@platform.example.com", actor="test")
    result = run_manage("platform_otp_reset", "nobody@platform.example.com")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["CommandError: There is no platform user nobody@platform.example.com."]
