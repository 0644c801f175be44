"""The minimal pages of this stage: platform tenant list, staff home, admin, login."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dockpulse.tenancy import platform_context
from tenant_apps.accounts.models import User
from tests.support import TEST_PASSWORD

pytestmark = pytest.mark.django_db(databases="__all__")


def test_platform_home_lists_tenants_to_a_platform_admin():
    with platform_context():
        boss = User.objects.create_superuser(
            "boss@platform.example.com", "Platform-Pass-9", name="Boss"
        )
        device = TOTPDevice.objects.create(user=boss, name="Authenticator app", confirmed=True)
    client = Client(HTTP_HOST="app.localhost")
    assert client.get("/")["Location"].startswith("/login/")
    client.post("/login/", {"username": "boss@platform.example.com", "password": "Platform-Pass-9"})
    # The password alone is not enough: the second factor first (docs/platform.md).
    assert client.get("/")["Location"].startswith("/login/code/")
    client.post("/login/code/", {"code": f"{totp(device.bin_key):06d}"})
    html = client.get("/").content.decode()
    assert "tenant-a" in html and "Company A" in html
    assert "tenant-b" in html and "Company B" in html
    # The bare domain is the platform too.
    assert Client(HTTP_HOST="localhost").get("/")["Location"].startswith("/login/")


def test_platform_home_refuses_non_admin_platform_users():
    with platform_context():
        User.objects.create_user("clerk@platform.example.com", "Platform-Pass-9", name="Clerk")
    client = Client(HTTP_HOST="app.localhost")
    client.post(
        "/login/", {"username": "clerk@platform.example.com", "password": "Platform-Pass-9"}
    )
    response = client.get("/")
    assert response.status_code == 302
    assert "tenant-a" not in response.content.decode()


def test_staff_home_after_login_greets_the_user_with_the_enabled_modules_menu():
    client = Client(HTTP_HOST="tenant-a.localhost")
    assert client.get("/")["Location"].startswith("/login/")
    page = client.get("/login/").content.decode()
    assert "Log in to Company A" in page
    client.post("/login/", {"username": "admin@tenant-a.example.com", "password": TEST_PASSWORD})
    html = client.get("/").content.decode()
    assert "Hello, admin" in html  # the provisioned admin is named after the address
    # The trade template's modules are in the menu.
    assert 'href="/customers/"' in html and 'href="/products/"' in html


def test_wrong_password_rerenders_the_form_with_an_error():
    client = Client(HTTP_HOST="tenant-a.localhost")
    response = client.post("/login/", {"username": "admin@tenant-a.example.com", "password": "x"})
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.content.decode()


def test_polish_interface():
    client = Client(HTTP_HOST="tenant-a.localhost", HTTP_ACCEPT_LANGUAGE="pl")
    html = client.get("/login/").content.decode()
    assert "Zaloguj się do Company A" in html
    assert 'lang="pl"' in html


def test_tenant_admin_site_is_only_for_admin_staff():
    client = Client(HTTP_HOST="tenant-a.localhost")
    response = client.get("/admin/")
    assert response.status_code == 302
    client.post("/login/", {"username": "admin@tenant-a.example.com", "password": TEST_PASSWORD})
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_every_polish_message_is_translated():
    """New user-facing strings must ship in Polish too (`make messages`, then translate)."""
    from pathlib import Path

    po = (Path(__file__).parent.parent / "locale/pl/LC_MESSAGES/django.po").read_text()
    entries = po.split("\n\n")[1:]  # the first entry is the header
    untranslated = [e for e in entries if e.rstrip().endswith('msgstr ""') or "#, fuzzy" in e]
    assert untranslated == []
