"""One lockout guards every way in: the login pages, both Django admin logins, the API's
token endpoint and password-reset requests, per tenant + e-mail and per client address."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.test import Client, override_settings
from rest_framework.test import APIClient

from dockpulse.security import lockout
from dockpulse.tenancy import platform_context, tenant_context
from tenant_apps.accounts.models import Role, User
from tests.factories import UserFactory
from tests.support import TEST_PASSWORD

pytestmark = pytest.mark.django_db(databases="__all__")

EMAIL = "shared@example.com"  # an account on tenant A, on tenant B and on the platform


def _users(tenant_a, tenant_b) -> None:
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            UserFactory.create(email=EMAIL, name="Shared", role=Role.ADMIN)
    with platform_context():
        UserFactory.create(email=EMAIL, name="Platform admin", role=Role.ADMIN)


def page_login(host: str, password: str, path: str = "/login/", **extra):
    return Client(HTTP_HOST=host, **extra).post(path, {"username": EMAIL, "password": password})


def api_login(host: str, password: str):
    return APIClient(HTTP_HOST=host).post(
        "/api/v1/auth/token/", {"email": EMAIL, "password": password}, format="json"
    )


def assert_locked_page(response) -> None:
    assert response.status_code == 429, response.status_code
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "Too many failed logins; try again in 15 minutes." in response.content.decode()


def test_ten_wrong_passwords_on_the_page_lock_every_way_in_on_that_tenant_only(tenant_a, tenant_b):
    _users(tenant_a, tenant_b)
    for _ in range(10):
        wrong = page_login("tenant-a.localhost", "not-it")
        assert wrong.status_code == 200
        assert "Wrong e-mail or password." in wrong.content.decode()

    # The right password is refused now, before it is even checked, on every way in.
    assert_locked_page(page_login("tenant-a.localhost", TEST_PASSWORD))
    admin = page_login("tenant-a.localhost", TEST_PASSWORD, "/admin/login/")
    assert_locked_page(admin)
    token = api_login("tenant-a.localhost", TEST_PASSWORD)
    assert token.status_code == 429
    assert token["Retry-After"]
    assert token.json()["error"]["code"] == "throttled"
    assert "Too many failed logins" in token.json()["error"]["message"]

    # Tenant B's account with the same e-mail is another account: not locked.
    other = page_login("tenant-b.localhost", TEST_PASSWORD)
    assert other.status_code == 302 and other["Location"] == "/"
    assert api_login("tenant-b.localhost", TEST_PASSWORD).status_code == 200
    # Nor is the platform's.
    assert page_login("app.localhost", TEST_PASSWORD).status_code == 302


def test_the_platform_host_locks_its_admin_on_the_page_and_in_the_django_admin(tenant_a, tenant_b):
    _users(tenant_a, tenant_b)
    for _ in range(10):
        assert page_login("app.localhost", "not-it", "/admin/login/").status_code == 200
    assert_locked_page(page_login("app.localhost", TEST_PASSWORD))
    assert_locked_page(page_login("app.localhost", TEST_PASSWORD, "/admin/login/"))
    assert page_login("tenant-a.localhost", TEST_PASSWORD).status_code == 302


@override_settings(LOGIN_LOCKOUT_SECONDS=2)
def test_the_right_password_works_again_once_the_lock_ends(tenant_a, tenant_b):
    _users(tenant_a, tenant_b)
    for _ in range(10):
        page_login("tenant-a.localhost", "not-it")
    locked = page_login("tenant-a.localhost", TEST_PASSWORD)
    assert locked.status_code == 429
    assert "try again in 1 minute." in locked.content.decode()
    time.sleep(2.2)
    assert page_login("tenant-a.localhost", TEST_PASSWORD).status_code == 302


def test_a_success_before_the_limit_starts_the_count_afresh(tenant_a, tenant_b):
    _users(tenant_a, tenant_b)
    for _ in range(9):
        page_login("tenant-a.localhost", "not-it")
    assert page_login("tenant-a.localhost", TEST_PASSWORD).status_code == 302
    for _ in range(9):
        assert page_login("tenant-a.localhost", "not-it").status_code == 200
    assert page_login("tenant-a.localhost", TEST_PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES_PER_IP=5)
def test_one_address_trying_many_e_mails_is_locked_on_every_host(tenant_a):
    def guess(email: str, host: str = "tenant-a.localhost", ip: str = "203.0.113.7"):
        return Client(HTTP_HOST=host, REMOTE_ADDR=ip).post(
            "/login/", {"username": email, "password": "guess"}
        )

    for n in range(5):
        assert guess(f"user{n}@example.com").status_code == 200
    assert guess("admin@tenant-a.example.com").status_code == 429
    assert guess("someone@example.com", host="tenant-b.localhost").status_code == 429
    # Another address is not affected.
    assert guess("user0@example.com", ip="198.51.100.1").status_code == 200


@override_settings(LOGIN_MAX_FAILURES_PER_IP=3, NUM_PROXIES=1)
def test_the_client_address_is_the_one_our_proxy_saw_not_what_the_client_wrote(tenant_a):
    def guess(forwarded: str):
        return Client(
            HTTP_HOST="tenant-a.localhost", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
        ).post("/login/", {"username": "nobody@example.com", "password": "guess"})

    # The attacker changes the first entry every time; our one proxy appended the real one.
    for n in range(3):
        assert guess(f"192.0.2.{n}, 203.0.113.9").status_code == 200
    assert guess("192.0.2.99, 203.0.113.9").status_code == 429
    assert guess("203.0.113.10").status_code == 200


def test_parallel_guesses_cannot_pass_the_limit(tenant_a):
    """50 guesses at once: exactly the limit's worth reach the password check."""
    policy = lockout.login_policy()
    counted: list[int] = []
    refused: list[int] = []
    start = threading.Barrier(50)

    def one() -> None:
        with tenant_context(tenant_a):
            start.wait()
            try:
                lockout.reserve(policy=policy, identity="race@example.com", address="192.0.2.1")
            except lockout.LockedOut:
                refused.append(1)
            else:
                counted.append(1)

    threads = [threading.Thread(target=one) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(counted) == policy.per_identity == 10
    assert len(refused) == 40


def test_password_reset_requests_are_limited_per_e_mail_on_the_api_and_the_page(tenant_a):
    api = APIClient(HTTP_HOST="tenant-a.localhost")
    for _ in range(5):
        sent = api.post(
            "/api/v1/auth/password/reset/", {"email": "admin@tenant-a.example.com"}, format="json"
        )
        assert sent.status_code == 204
    assert len(mail.outbox) == 5
    refused = api.post(
        "/api/v1/auth/password/reset/", {"email": "admin@tenant-a.example.com"}, format="json"
    )
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.json()["error"]["message"]
    page = Client(HTTP_HOST="tenant-a.localhost").post(
        "/password_reset/", {"email": "ADMIN@tenant-a.example.com"}
    )
    assert page.status_code == 429
    assert "Too many password reset requests" in page.content.decode()
    assert len(mail.outbox) == 5
    # Another e-mail is not affected, and tenant B's same address neither.
    assert (
        Client(HTTP_HOST="tenant-b.localhost")
        .post("/password_reset/", {"email": "admin@tenant-a.example.com"})
        .status_code
        == 302
    )


def test_inactive_and_unknown_accounts_count_like_wrong_passwords(tenant_a, tenant_b):
    _users(tenant_a, tenant_b)
    with tenant_context(tenant_a):
        User.objects.filter(email=EMAIL).update(is_active=False, role=Role.ADMIN)
    for _ in range(10):
        assert page_login("tenant-a.localhost", TEST_PASSWORD).status_code == 200
    assert page_login("tenant-a.localhost", TEST_PASSWORD).status_code == 429


def test_an_operator_lifts_a_lock_with_unlock_login(tenant_a, tenant_b):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    _users(tenant_a, tenant_b)
    for _ in range(10):
        page_login("tenant-a.localhost", "not-it")
    assert page_login("tenant-a.localhost", TEST_PASSWORD).status_code == 429
    call_command("unlock_login", "tenant-b", EMAIL)  # another tenant's: A stays locked
    assert page_login("tenant-a.localhost", TEST_PASSWORD).status_code == 429
    call_command("unlock_login", "tenant-a", EMAIL.upper())
    assert page_login("tenant-a.localhost", TEST_PASSWORD).status_code == 302

    with pytest.raises(CommandError) as unknown:
        call_command("unlock_login", "no-such", EMAIL)
    assert unknown.value.returncode == 2
    assert str(unknown.value) == "slug: There is no tenant no-such."
