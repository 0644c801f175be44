"""Platform-host test helpers: an admin, their authenticator, a client past the second
factor (docs/platform.md). Shared by every platform page's tests."""

from __future__ import annotations

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dockpulse.tenancy import platform_context
from tenant_apps.accounts.models import User
from tests.support import TEST_PASSWORD

HOST = "app.localhost"
ADMIN = "ops@platform.example.com"


def make_admin(email: str = ADMIN) -> User:
    with platform_context():
        return User.objects.create_superuser(email, TEST_PASSWORD, name="Ops")


def with_device(user: User) -> TOTPDevice:
    with platform_context():
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the admin's app shows now (or `steps_ahead` steps later: within the
    accepted tolerance, for a second sign-in inside one 30-second step)."""
    with platform_context():
        device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def password_client(email: str = ADMIN, address: str = "127.0.0.1") -> Client:
    client = Client(HTTP_HOST=HOST, REMOTE_ADDR=address)
    response = client.post("/login/", {"username": email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def verified_client(user: User, device: TOTPDevice, steps_ahead: int = 0) -> Client:
    client = password_client(user.email)
    response = client.post("/login/code/", {"code": code_for(device, steps_ahead), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/", response.content
    return client


def platform_admin_client(email: str = ADMIN) -> Client:
    """A platform admin signed in with password and TOTP, ready for any platform page."""
    user = make_admin(email)
    return verified_client(user, with_device(user))
