"""A new password or a deactivation ends every login of the user, whichever path did it;
refresh tokens have an absolute lifetime; reset links are bound to the tenant; expired
sessions and tokens are cleared per database; CSRF trusts no sibling tenant."""

from __future__ import annotations

import dataclasses
import re
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from dockpulse.celery import app as celery_app
from dockpulse.tenancy import platform_context, tenant_context
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.tokens import password_reset_tokens
from tests.factories import UserFactory
from tests.support import TEST_PASSWORD, api, bearer, browser_login, tokens

pytestmark = pytest.mark.django_db(databases="__all__")

HOST = "tenant-a.localhost"
STAFF = "staff@tenant-a.example.com"
NEW_PASSWORD = "Another-Good-Pass-93"


@pytest.fixture
def staff(tenant_a):
    with tenant_context(tenant_a):
        return UserFactory.create(email=STAFF, name="Staff", role=Role.EMPLOYEE)


def browser_session(email: str = STAFF, password: str = TEST_PASSWORD) -> Client:
    client = browser_login(email, password, HOST)
    assert client.get("/").status_code == 200
    return client


def assert_logged_out(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def assert_tokens_dead(pair: dict) -> None:
    assert bearer(pair["access"]).get("/api/v1/customers/").status_code == 401
    refreshed = api().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert refreshed.status_code == 401


def test_reset_by_e_mail_ends_every_token_and_session(staff):
    pair = tokens(email=STAFF)
    other_browser = browser_session()
    Client(HTTP_HOST=HOST).post("/password_reset/", {"email": STAFF})
    link = re.search(r"http://tenant-a\.localhost(/reset/\S+/)", str(mail.outbox[-1].body))
    assert link
    client = Client(HTTP_HOST=HOST)
    form = client.get(link.group(1), follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/reset/done/"

    assert_tokens_dead(pair)
    assert_logged_out(other_browser)
    fresh = api().post("/api/v1/auth/token/", {"email": STAFF, "password": NEW_PASSWORD})
    assert fresh.status_code == 200


def test_changing_ones_password_on_the_page_ends_other_logins_but_not_this_one(staff):
    pair = tokens(email=STAFF)
    other_browser = browser_session()
    this_browser = browser_session()
    changed = this_browser.post(
        "/password_change/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302 and changed["Location"] == "/password_change/done/"
    assert_tokens_dead(pair)
    assert_logged_out(other_browser)
    assert this_browser.get("/").status_code == 200


def test_an_admin_setting_a_password_in_the_django_admin_revokes_the_users_tokens(tenant_a, staff):
    pair = tokens(email=STAFF)
    other_browser = browser_session()
    admin = browser_session("admin@tenant-a.example.com")
    response = admin.post(
        f"/admin/accounts/user/{staff.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    assert_tokens_dead(pair)
    assert_logged_out(other_browser)
    with tenant_context(tenant_a):
        open_tokens = OutstandingToken.objects.filter(user=staff, blacklistedtoken__isnull=True)
        assert not open_tokens.exists()


@pytest.mark.parametrize("path", ["api", "admin"])
def test_deactivating_a_user_revokes_tokens_for_good_and_ends_sessions(tenant_a, staff, path):
    pair = tokens(email=STAFF)
    other_browser = browser_session()
    if path == "api":
        admin_api = bearer(tokens()["access"])
        assert admin_api.delete(f"/api/v1/users/{staff.pk}/").status_code == 204
    else:
        admin = browser_session("admin@tenant-a.example.com")
        page = admin.get(f"/admin/accounts/user/{staff.pk}/change/")
        form = page.context["adminform"].form
        data = {
            key: value
            for key, value in form.initial.items()
            if key not in ("password", "is_active", "groups", "user_permissions", "settings")
            and value is not None
        }
        data.update(last_login_0="", last_login_1="", settings="{}")
        data.pop("last_login", None)
        data.pop("created_at", None)
        data.pop("updated_at", None)
        response = admin.post(f"/admin/accounts/user/{staff.pk}/change/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
    with tenant_context(tenant_a):
        staff.refresh_from_db()
        assert staff.is_active is False
    assert_tokens_dead(pair)
    assert_logged_out(other_browser)
    # Reactivated, the account logs in anew; the old refresh token stays revoked.
    with tenant_context(tenant_a):
        User.objects.filter(pk=staff.pk).update(is_active=True)
    refreshed = api().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert refreshed.status_code == 401
    assert (
        api().post("/api/v1/auth/token/", {"email": STAFF, "password": TEST_PASSWORD}).status_code
        == 200
    )


def test_refresh_tokens_have_an_absolute_lifetime(tenant_a, staff):
    pair = tokens(email=STAFF)
    claims = jwt.decode(pair["refresh"], options={"verify_signature": False})
    absolute = settings.JWT_REFRESH_ABSOLUTE_LIFETIME.total_seconds()
    assert claims["exp"] <= claims["auth_time"] + absolute

    with override_settings(JWT_REFRESH_ABSOLUTE_LIFETIME=timedelta(seconds=2)):
        rotated = api().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
        assert rotated.status_code == 200
        new_claims = jwt.decode(rotated.json()["refresh"], options={"verify_signature": False})
        # Rotation keeps the original login time and never extends past it.
        assert new_claims["auth_time"] == claims["auth_time"]
        time.sleep(2.1)
        expired = api().post("/api/v1/auth/token/refresh/", {"refresh": rotated.json()["refresh"]})
        assert expired.status_code == 401
        assert expired.json()["error"]["code"] == "token_not_valid"


def test_a_reset_link_works_only_on_the_tenant_and_generation_that_made_it(tenant_a):
    with tenant_context(tenant_a):
        user = User.objects.get(email="admin@tenant-a.example.com")
        token = password_reset_tokens.make_token(user)
        assert password_reset_tokens.check_token(user, token)
    restored_copy = dataclasses.replace(tenant_a, id=uuid.uuid4(), slug="tenant-a-copy")
    with tenant_context(restored_copy):
        assert not password_reset_tokens.check_token(user, token)
    restored_over = dataclasses.replace(tenant_a, generation=tenant_a.generation + 1)
    with tenant_context(restored_over):
        assert not password_reset_tokens.check_token(user, token)
    with platform_context():
        assert not password_reset_tokens.check_token(user, token)


def test_csrf_trusts_the_same_origin_but_no_sibling_tenant(tenant_a):
    assert settings.CSRF_TRUSTED_ORIGINS == []
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    client.get("/login/")
    csrf = client.cookies["csrftoken"].value
    data = {"username": "admin@tenant-a.example.com", "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": csrf}  # fmt: skip
    sibling = client.post("/login/", data, HTTP_ORIGIN="http://tenant-b.localhost")
    assert sibling.status_code == 403
    same = client.post("/login/", data, HTTP_ORIGIN=f"http://{HOST}")
    assert same.status_code == 302


def _expired_session(when) -> str:
    key = uuid.uuid4().hex
    Session.objects.create(session_key=key, session_data="x", expire_date=when)
    return key


def test_beat_clears_expired_sessions_and_tokens_in_every_database(tenant_a, tenant_b, monkeypatch):
    assert settings.CELERY_BEAT_SCHEDULE["accounts-clear-expired"]["task"] == (
        "platform.clear_expired_all"
    )
    past, future = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    keys = {}
    for name, context in (
        ("a", tenant_context(tenant_a)),
        ("b", tenant_context(tenant_b)),
        ("platform", platform_context()),
    ):
        with context:
            keys[name] = (_expired_session(past), _expired_session(future))
            OutstandingToken.objects.create(
                jti=uuid.uuid4().hex, token="t", expires_at=past, created_at=past
            )

    # Tenant A's task touches tenant A only.
    from tenant_apps.accounts.tasks import clear_expired

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    clear_expired.apply_async(args=[str(tenant_a.id)])
    with tenant_context(tenant_a):
        assert not Session.objects.filter(session_key=keys["a"][0]).exists()
        assert Session.objects.filter(session_key=keys["a"][1]).exists()
        assert not OutstandingToken.objects.filter(expires_at__lte=timezone.now()).exists()
    with tenant_context(tenant_b):
        assert Session.objects.filter(session_key=keys["b"][0]).exists()

    from platform_app.tasks.maintenance import clear_expired_all

    assert clear_expired_all.apply().get() >= 2
    for name, context in (
        ("b", tenant_context(tenant_b)),
        ("platform", platform_context()),
    ):
        with context:
            assert not Session.objects.filter(session_key=keys[name][0]).exists()
            assert Session.objects.filter(session_key=keys[name][1]).exists()
            assert not OutstandingToken.objects.filter(expires_at__lte=timezone.now()).exists()
