"""Tenant A's users, passwords and sessions are worthless on tenant B and the platform."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dockpulse.tenancy import platform_context, tenant_context
from dockpulse.tenancy.middleware import SESSION_TENANT_KEY
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import user_create
from tests.support import TEST_PASSWORD, login_page

pytestmark = pytest.mark.django_db(databases="__all__")


def login(host: str, email: str, password: str) -> tuple[Client, bool]:
    client, response = login_page(host, email, password)
    return client, response.status_code == 302


def emails_in_database(db_name: str) -> set[str]:
    """Read the users table of a database by its name, bypassing the router."""
    for alias in connections:
        if connections[alias].settings_dict["NAME"] == db_name:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT email FROM users")
                return {row[0] for row in cursor.fetchall()}
    raise AssertionError(f"no alias for {db_name}")


def test_user_created_on_a_exists_only_in_a(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        user_create(email="Anna@Example.com", name="Anna", password="Sekret-Haslo-1")

    assert "anna@example.com" in emails_in_database(tenant_a.db_name)
    assert "anna@example.com" not in emails_in_database(tenant_b.db_name)
    assert "anna@example.com" not in emails_in_database(
        connections["default"].settings_dict["NAME"]
    )


def test_same_email_is_an_independent_account_per_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        a_user = user_create(email="sam@example.com", name="Sam A", password="Password-For-A1")
    with tenant_context(tenant_b):
        b_user = user_create(email="sam@example.com", name="Sam B", password="Password-For-B2")
        assert User.objects.get(email="sam@example.com").name == "Sam B"
    assert a_user.id != b_user.id

    assert login("tenant-a.localhost", "sam@example.com", "Password-For-A1")[1]
    assert login("tenant-b.localhost", "sam@example.com", "Password-For-B2")[1]
    # Each password opens only its own tenant.
    assert not login("tenant-b.localhost", "sam@example.com", "Password-For-A1")[1]
    assert not login("tenant-a.localhost", "sam@example.com", "Password-For-B2")[1]


def test_tenant_a_password_does_not_log_in_on_b(tenant_a):
    response = Client(HTTP_HOST="tenant-b.localhost").post(
        "/login/", {"username": "admin@tenant-a.example.com", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.content.decode()


def test_tenant_a_session_cookie_is_useless_on_b():
    client_a, ok = login("tenant-a.localhost", "admin@tenant-a.example.com", TEST_PASSWORD)
    assert ok
    assert client_a.get("/").status_code == 200

    stolen = client_a.cookies["sessionid"].value
    client_b = Client(HTTP_HOST="tenant-b.localhost")
    client_b.cookies["sessionid"] = stolen
    response = client_b.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_session_of_another_tenant_id_is_flushed(tenant_a):
    """A restored copy has the same session rows but a new tenant id: they must not work."""
    client, _ = login("tenant-a.localhost", "admin@tenant-a.example.com", TEST_PASSWORD)
    with tenant_context(tenant_a):
        session = client.session
        session[SESSION_TENANT_KEY] = "00000000-0000-0000-0000-000000000001"
        session.save()

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_platform_admin_cannot_log_in_on_a_tenant_host():
    with platform_context():
        User.objects.create_superuser("root@platform.example.com", "Platform-Pass-9", name="Root")
    assert login("app.localhost", "root@platform.example.com", "Platform-Pass-9")[1]
    assert not login("tenant-a.localhost", "root@platform.example.com", "Platform-Pass-9")[1]


def test_tenant_admin_cannot_log_in_on_the_platform():
    assert not login("app.localhost", "admin@tenant-a.example.com", TEST_PASSWORD)[1]


def test_tenant_admin_site_shows_no_platform_table():
    client, _ = login("tenant-a.localhost", "admin@tenant-a.example.com", TEST_PASSWORD)
    page = client.get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/admin/accounts/user/" in html
    assert "/admin/events/eventlog/" in html
    for platform_url in ("platform_app", "/admin/platform_app/tenant/", "Billing", "Plans"):
        assert platform_url not in html
    assert client.get("/admin/platform_app/tenant/").status_code == 404
    assert client.get("/admin/platform_app/plan/").status_code == 404


def test_platform_admin_site_lists_platform_tables():
    with platform_context():
        ops = User.objects.create_superuser(
            "ops@platform.example.com", "Platform-Pass-9", name="Ops"
        )
        device = TOTPDevice.objects.create(user=ops, name="Authenticator app", confirmed=True)
    client, _ = login("app.localhost", "ops@platform.example.com", "Platform-Pass-9")
    # The platform's admin needs the second factor too (docs/platform.md).
    assert client.get("/admin/")["Location"].startswith("/login/code/")
    client.post("/login/code/", {"code": f"{totp(device.bin_key):06d}"})
    html = client.get("/admin/").content.decode()
    assert "/admin/platform_app/tenant/" in html
    assert "/admin/platform_app/billingrecord/" in html
    tenants = client.get("/admin/platform_app/tenant/").content.decode()
    assert "tenant-a" in tenants and "tenant-b" in tenants
