"""Staff JWTs: bound to one tenant, refreshed with rotation, revoked on logout."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework_simplejwt.tokens import RefreshToken

from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import User
from tests.support import TEST_PASSWORD, api, assert_error, bearer, tokens

pytestmark = pytest.mark.django_db(databases="__all__")


def test_token_pair_carries_type_tenant_and_role(tenant_a):
    pair = tokens()
    with tenant_context(tenant_a):
        refresh = RefreshToken(pair["refresh"])  # type: ignore[arg-type]  # a str is a token
    assert refresh["type"] == "staff"
    assert refresh["tenant"] == str(tenant_a.id)
    assert refresh["role"] == "admin"
    assert bearer(pair["access"]).get("/api/v1/users/").status_code == 200


def test_wrong_password_is_401_with_the_error_shape():
    response = api().post(
        "/api/v1/auth/token/",
        {"email": "admin@tenant-a.example.com", "password": "nope"},
        format="json",
    )
    error = assert_error(response, 401, "invalid_credentials")
    assert error["message"] == "Wrong e-mail or password."


def test_bad_login_payload_is_400_per_field():
    error = assert_error(
        api().post("/api/v1/auth/token/", {"email": "x"}, format="json"), 400, "invalid"
    )
    assert set(error["fields"]) == {"email", "password"}


def test_tenant_a_tokens_are_401_on_tenant_b():
    pair = tokens()
    assert_error(
        bearer(pair["access"], "tenant-b.localhost").get("/api/v1/users/"), 401, "token_not_valid"
    )
    response = api("tenant-b.localhost").post(
        "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert_error(response, 401, "token_not_valid")


def test_a_token_of_the_same_user_id_from_another_tenant_is_401(tenant_a, tenant_b):
    """A restored copy has the same user ids under a new tenant id: the claim decides."""
    with tenant_context(tenant_a):
        admin_a = User.objects.get(email="admin@tenant-a.example.com")
    with tenant_context(tenant_b):
        twin = User.objects.get(email="admin@tenant-b.example.com")
        twin_id = twin.id
        User.objects.filter(pk=twin_id).update(id=admin_a.id)  # the copy's twin
    with tenant_context(tenant_a):
        token = RefreshToken.for_user(admin_a)
    token["type"], token["tenant"], token["role"] = "staff", str(tenant_a.id), "admin"
    assert_error(
        bearer(str(token.access_token), "tenant-b.localhost").get("/api/v1/users/"),
        401,
        "token_not_valid",
    )


def test_token_of_another_type_is_refused(tenant_a):
    with tenant_context(tenant_a):
        admin = User.objects.get(email="admin@tenant-a.example.com")
        token = RefreshToken.for_user(admin)
    token["type"], token["tenant"] = "customer", str(tenant_a.id)
    assert_error(bearer(str(token.access_token)).get("/api/v1/users/"), 401, "token_not_valid")


def test_no_token_is_401():
    assert_error(api().get("/api/v1/users/"), 401, "not_authenticated")


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe", "zażółć.gęślą.jaźń".encode(), b"eyJ\x00\x7f.\xc3"],
    ids=["not-utf8", "utf8-non-ascii", "control-and-cut-utf8"],
)
def test_a_token_with_non_ascii_bytes_is_401_with_the_error_shape(raw: bytes):
    # WSGI hands headers over as latin-1 decoded text: this is how those bytes arrive.
    header = "Bearer " + raw.decode("latin-1")
    response = Client(HTTP_HOST="tenant-a.localhost").get(
        "/api/v1/customers/", HTTP_AUTHORIZATION=header
    )
    assert response.wsgi_request.META["HTTP_AUTHORIZATION"].encode("latin-1") == b"Bearer " + raw
    error = assert_error(response, 401, "token_not_valid")
    assert error["fields"] == {}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_refresh_rotates_and_the_old_refresh_token_dies():
    pair = tokens()
    response = api().post(
        "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert response.status_code == 200, response.content
    new = response.json()
    assert new["refresh"] != pair["refresh"]
    again = api().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert_error(again, 401, "token_not_valid")


def test_logout_blacklists_the_refresh_token():
    pair = tokens()
    client = bearer(pair["access"])
    assert (
        client.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code
        == 204
    )
    response = api().post(
        "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert_error(response, 401, "token_not_valid")


def test_refresh_of_a_deactivated_user_is_refused(tenant_a):
    pair = tokens()
    with tenant_context(tenant_a):
        User.objects.filter(email="admin@tenant-a.example.com").update(is_active=False)
    response = api().post(
        "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert_error(response, 401, "no_active_account")


@override_settings(LOGIN_MAX_FAILURES=3)
def test_login_is_locked_after_repeated_failures_per_tenant(tenant_a):
    payload = {"email": "admin@tenant-a.example.com", "password": "wrong"}
    for _ in range(3):
        assert api().post("/api/v1/auth/token/", payload, format="json").status_code == 401
    good = {"email": "admin@tenant-a.example.com", "password": TEST_PASSWORD}
    error = assert_error(api().post("/api/v1/auth/token/", good, format="json"), 429, "throttled")
    assert "Too many failed logins" in error["message"]
    # The same e-mail on another tenant is another account, not locked.
    other = api("tenant-b.localhost").post(
        "/api/v1/auth/token/",
        {"email": "admin@tenant-a.example.com", "password": "x"},
        format="json",
    )
    assert other.status_code == 401
    with tenant_context(tenant_a):
        cache.delete("login-failures:admin@tenant-a.example.com")


def _clear_throttles(*tenants) -> None:
    for tenant in tenants:
        with tenant_context(tenant):
            for user_id in User.objects.values_list("pk", flat=True):
                cache.delete(f"throttle_user_{user_id}")


def test_requests_are_throttled_per_tenant_and_user(monkeypatch, tenant_a, tenant_b):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    _clear_throttles(tenant_a, tenant_b)
    a = bearer(tokens()["access"])
    b = bearer(tokens("tenant-b.localhost", "admin@tenant-b.example.com")["access"],
               "tenant-b.localhost")  # fmt: skip
    try:
        for _ in range(3):
            assert a.get("/api/v1/users/").status_code == 200
        assert_error(a.get("/api/v1/users/"), 429, "throttled")
        # Tenant B's admin has a counter of its own.
        assert b.get("/api/v1/users/").status_code == 200
    finally:
        _clear_throttles(tenant_a, tenant_b)
