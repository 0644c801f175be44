"""The portal's sign-in: its own sessions and tokens, the lockout, the forced password
change, reset by SMS code, the @portal switch and isolation from the staff and from
other tenants."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_redis import get_redis_connection

from dockpulse.actors import SYSTEM
from dockpulse.events.models import EventLog
from dockpulse.notify import sms as sms_module
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer
from tenant_apps.customers.portal_access import customer_portal_access_revoke
from tenant_apps.portal import services
from tenant_apps.portal.services import auth as auth_services
from tenant_apps.portal.sessions import COOKIE_NAME
from tests.portal_support import (  # noqa: F401  (fixtures)
    NEW_PASSWORD,
    PASSWORD,
    PHONE,
    _no_reset_codes_left_behind,
    fresh,
    last_code,
    locmem_sms,
    module_off,
    portal_customer,
    portal_login,
    portal_tokens,
    signed_in,
)
from tests.support import (
    TEST_PASSWORD,
    api,
    assert_error,
    bearer,
    client_for,
    field_errors,
    host_of,
    html,
    panel_client,
    staff_user,
)

pytestmark = [
    pytest.mark.django_db(databases="__all__"),
    pytest.mark.usefixtures("locmem_sms", "_no_reset_codes_left_behind"),
]


def portal_routes() -> list[tuple[str, Any]]:
    found = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("portal/"):
                route = route.replace("<uuid:pk>", "00000000-0000-0000-0000-000000000000")
                found.append(("/" + route, pattern.callback))

    walk(get_resolver("dockpulse.urls_tenant").url_patterns, "")
    return found


# --- logging in -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["601 234 567", "+48 601-234-567", "0048601234567", PHONE])
def test_the_phone_can_be_typed_in_any_usual_way(tenant_a, typed):
    portal_customer(tenant_a)
    client, response = portal_login(tenant_a, phone=typed)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    page = client.get("/portal/")
    assert page.status_code == 200
    assert "Signed in as Anna Kowalska" in html(page)


def test_the_session_is_its_own_cookie_scoped_to_the_portal(tenant_a):
    portal_customer(tenant_a)
    _client, response = portal_login(tenant_a)
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["path"] == "/portal/"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert "sessionid" not in response.cookies


def test_the_pages_have_the_portal_shell_and_nothing_inline(tenant_a):
    client = Client(HTTP_HOST=host_of(tenant_a))
    for url in ("/portal/login/", "/portal/reset/"):
        response = client.get(url)
        page = html(response)
        assert "script-src" in response["Content-Security-Policy"]
        assert "<script" not in page and "<style" not in page and 'style="' not in page
        assert not re.search(r"\son[a-z]+=", page)
        assert 'href="/customers/"' not in page and "sidenav" not in page  # no staff nav
        assert "/static/css/portal.css" in page


def test_a_wrong_password_and_an_unknown_phone_get_the_same_answer(tenant_a):
    portal_customer(tenant_a)
    _client, wrong = portal_login(tenant_a, password="not-it")
    _client, unknown = portal_login(tenant_a, phone="601 999 999")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Wrong phone number or password." in html(response)
        assert COOKIE_NAME not in response.cookies


def test_a_phone_that_is_no_number_is_an_error_on_the_field(tenant_a):
    _client, response = portal_login(tenant_a, phone="hello")
    assert "Enter a phone number" in field_errors(html(response), "phone")


def test_without_portal_access_no_one_logs_in(tenant_a):
    customer = portal_customer(tenant_a)
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=customer.pk).update(is_portal_active=False)
    _client, response = portal_login(tenant_a)
    assert "Wrong phone number or password." in html(response)
    assert portal_tokens(tenant_a).status_code == 401


def test_a_login_sends_the_customer_portal_login_event(tenant_a):
    customer = portal_customer(tenant_a)
    signed_in(tenant_a)
    assert portal_tokens(tenant_a).status_code == 200
    with tenant_context(tenant_a):
        logged = EventLog.objects.filter(event_type="customer.portal_login", entity_id=customer.pk)
        assert sorted(event.payload["via"] for event in logged) == ["api", "page"]
        assert {event.actor_type for event in logged} == {"customer"}


def test_five_wrong_passwords_lock_the_phone_with_a_message_in_minutes(tenant_a):
    portal_customer(tenant_a)
    for _ in range(5):
        _client, response = portal_login(tenant_a, password="wrong")
        assert "Wrong phone number or password." in html(response)
    # The right password now, typed another way: the same phone, locked.
    _client, response = portal_login(tenant_a, phone="601 234 567")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed logins; try again in 15 minutes." in html(response)
    assert COOKIE_NAME not in response.cookies
    # ...the API too: one counter for every way in.
    response = portal_tokens(tenant_a)
    assert_error(response, 429, "throttled")


def test_the_lock_is_per_tenant(tenant_a, tenant_b):
    portal_customer(tenant_a)
    portal_customer(tenant_b)
    for _ in range(5):
        portal_login(tenant_a, password="wrong")
    assert portal_login(tenant_a)[1].status_code == 429
    assert portal_login(tenant_b)[1].status_code == 302


@override_settings(LOGIN_MAX_FAILURES_PER_IP=3)
def test_one_address_is_limited_over_many_phones(tenant_a):
    for number in ("601 000 001", "601 000 002", "601 000 003"):
        assert portal_login(tenant_a, phone=number)[1].status_code == 200
    assert portal_login(tenant_a, phone="601 000 004")[1].status_code == 429


def test_logout_is_a_post_and_ends_the_session(tenant_a):
    portal_customer(tenant_a)
    client = signed_in(tenant_a)
    assert client.get("/portal/logout/").status_code == 405
    response = client.post("/portal/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/"
    assert client.get("/portal/")["Location"] == "/portal/login/"


def test_an_anonymous_visitor_goes_to_the_portal_login_and_back(tenant_a):
    portal_customer(tenant_a)
    client = Client(HTTP_HOST=host_of(tenant_a))
    response = client.get("/portal/password/")
    assert response["Location"] == "/portal/login/?next=%2Fportal%2Fpassword%2F"
    response = client.post(
        "/portal/login/", {"phone": PHONE, "password": PASSWORD, "next": "/portal/password/"}
    )
    assert response["Location"] == "/portal/password/"
    # Never off the portal, nor to another host.
    for target in ("/settings/", "https://evil.example/portal/"):
        client.post("/portal/logout/")
        response = client.post(
            "/portal/login/", {"phone": PHONE, "password": PASSWORD, "next": target}
        )
        assert response["Location"] == "/portal/", target


def test_every_portal_url_is_a_portal_page():
    routes = portal_routes()
    assert {url for url, _view in routes} >= {"/portal/", "/portal/login/", "/portal/logout/"}
    for url, view in routes:
        assert getattr(view, "portal_page", None) is not None, url


# --- forced change and changing the password -------------------------------------------------


def test_the_first_login_forces_a_change_before_anything_else(tenant_a):
    customer = portal_customer(tenant_a, first_login=True)
    client, response = portal_login(tenant_a)
    assert client.get("/portal/")["Location"] == "/portal/password/"
    page = client.get("/portal/password/")
    assert page.status_code == 200
    assert "Choose your own password" in html(page)
    # Two different new passwords, a wrong current one, a weak one: errors on the fields.
    page = client.post("/portal/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "other",
    })  # fmt: skip
    assert "The two passwords differ." in field_errors(html(page), "new_password2")
    page = client.post("/portal/password/", {
        "old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })  # fmt: skip
    assert "incorrectly" in field_errors(html(page), "old_password")
    page = client.post("/portal/password/", {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678",
    })  # fmt: skip
    assert "too common" in field_errors(html(page), "new_password1")
    page = client.post("/portal/password/", {
        "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD,
    })  # fmt: skip
    assert "other than the current one" in field_errors(html(page), "new_password1")
    assert fresh(tenant_a, customer).portal_first_login
    # Logging out is allowed meanwhile... and the change then goes through.
    response = client.post("/portal/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })  # fmt: skip
    assert response["Location"] == "/portal/"
    home = client.get("/portal/")
    assert home.status_code == 200
    assert "Your password has been changed." in html(home)
    row = fresh(tenant_a, customer)
    assert not row.portal_first_login
    assert check_password(NEW_PASSWORD, row.portal_password)
    with tenant_context(tenant_a):
        event = EventLog.objects.get(event_type="portal.password_changed", entity_id=customer.pk)
        assert event.payload["how"] == "change"
        assert NEW_PASSWORD not in str(event.payload)


def test_logout_works_during_the_forced_change(tenant_a):
    portal_customer(tenant_a, first_login=True)
    client = signed_in(tenant_a)
    assert client.post("/portal/logout/")["Location"] == "/portal/login/"


def test_a_password_change_ends_the_other_sessions_and_tokens(tenant_a):
    portal_customer(tenant_a)
    other = signed_in(tenant_a)
    access = portal_tokens(tenant_a).json()["access"]
    client = signed_in(tenant_a)
    client.post("/portal/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })  # fmt: skip
    assert client.get("/portal/").status_code == 200  # this browser stays signed in
    assert other.get("/portal/")["Location"] == "/portal/login/"
    assert bearer(access, host_of(tenant_a)).get("/api/v1/portal/me/").status_code == 401


def test_revoking_access_ends_sessions_and_tokens(tenant_a):
    customer = portal_customer(tenant_a)
    client = signed_in(tenant_a)
    pair = portal_tokens(tenant_a).json()
    with tenant_context(tenant_a):
        customer_portal_access_revoke(
            customer=Customer.objects.get(pk=customer.pk),
            actor=SYSTEM,
        )
    assert client.get("/portal/")["Location"] == "/portal/login/"
    host = host_of(tenant_a)
    assert bearer(pair["access"], host).get("/api/v1/portal/me/").status_code == 401
    response = api(host).post(
        "/api/v1/portal/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert response.status_code == 401


# --- reset by SMS code ---------------------------------------------------------------------


def ask_for_code(client: Client, phone: str = "601 234 567") -> Any:
    return client.post("/portal/reset/", {"phone": phone})


def confirm(client: Client, code: str, password: str = NEW_PASSWORD) -> Any:
    return client.post(
        "/portal/reset/code/",
        {"code": code, "new_password1": password, "new_password2": password},
    )


def test_reset_by_sms_code_sets_a_new_password_and_signs_in(tenant_a):
    customer = portal_customer(tenant_a, first_login=True)
    client = Client(HTTP_HOST=host_of(tenant_a))
    response = ask_for_code(client)
    assert response["Location"] == "/portal/reset/code/"
    [message] = sms_module.outbox
    assert message.to == PHONE
    assert "valid for 10 minutes" in message.body
    code = last_code()
    page = client.get("/portal/reset/code/")
    assert "+48601234567" in html(page)
    response = confirm(client, code)
    assert response["Location"] == "/portal/"
    assert "Signed in as Anna Kowalska" in html(client.get("/portal/"))
    row = fresh(tenant_a, customer)
    assert check_password(NEW_PASSWORD, row.portal_password)
    assert not row.portal_first_login
    with tenant_context(tenant_a):
        assert EventLog.objects.filter(
            event_type="portal.password_changed", entity_id=customer.pk, payload__how="reset"
        ).exists()
    # The code is spent: a second use fails, whoever tries it.
    other = Client(HTTP_HOST=host_of(tenant_a))
    ask_for_code(other)  # within 60 s: no new code, but the same page
    response = confirm(other, code, password="Yet-Another-Pass-9")
    assert "wrong or has expired" in field_errors(html(response), "code")


def test_a_reset_lifts_the_login_lock(tenant_a):
    portal_customer(tenant_a)
    for _ in range(5):
        portal_login(tenant_a, password="wrong")
    assert portal_login(tenant_a)[1].status_code == 429
    client = Client(HTTP_HOST=host_of(tenant_a))
    ask_for_code(client)
    assert confirm(client, last_code())["Location"] == "/portal/"
    assert portal_login(tenant_a, password=NEW_PASSWORD)[1].status_code == 302


def test_an_unknown_phone_gets_the_same_answer_and_no_sms(tenant_a):
    portal_customer(tenant_a)
    client = Client(HTTP_HOST=host_of(tenant_a))
    response = ask_for_code(client, "601 999 999")
    assert response["Location"] == "/portal/reset/code/"
    assert sms_module.outbox == []
    page = client.get("/portal/reset/code/")
    assert "If +48601999999 has portal access" in html(page)
    response = confirm(client, "123456")
    assert "wrong or has expired" in field_errors(html(response), "code")


def test_one_code_a_minute(tenant_a, monkeypatch):
    portal_customer(tenant_a)
    client = Client(HTTP_HOST=host_of(tenant_a))
    ask_for_code(client)
    response = ask_for_code(client)
    assert response["Location"] == "/portal/reset/code/"
    assert "less than a minute ago" in html(client.get("/portal/reset/code/"))
    assert len(sms_module.outbox) == 1
    # ...the same for a phone without an account: the answer tells nothing.
    ask_for_code(client, "601 999 999")
    ask_for_code(client, "601 999 999")
    assert "less than a minute ago" in html(client.get("/portal/reset/code/"))
    # A minute later, a new code (and the first one is void).
    first = last_code()
    redis = get_redis_connection("default")
    for key in redis.scan_iter(match="*portal-reset:sent:*"):
        redis.delete(key)
    ask_for_code(client)
    assert len(sms_module.outbox) == 2
    second = last_code()
    if first != second:
        response = confirm(client, first)
        assert "wrong or has expired" in field_errors(html(response), "code")
    assert confirm(client, second)["Location"] == "/portal/"


def test_an_expired_code_is_refused(tenant_a, monkeypatch):
    customer = portal_customer(tenant_a)
    client = Client(HTTP_HOST=host_of(tenant_a))
    ask_for_code(client)
    code = last_code()
    now = auth_services._now()
    monkeypatch.setattr(auth_services, "_now", lambda: now + 10 * 60 + 1)
    response = confirm(client, code)
    assert "wrong or has expired" in field_errors(html(response), "code")
    assert check_password(PASSWORD, fresh(tenant_a, customer).portal_password)


def test_five_wrong_codes_void_the_code(tenant_a):
    customer = portal_customer(tenant_a)
    client = Client(HTTP_HOST=host_of(tenant_a))
    ask_for_code(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = confirm(client, wrong)
        assert "wrong or has expired" in field_errors(html(response), "code")
    response = confirm(client, code)
    assert "Too many wrong codes" in field_errors(html(response), "code")
    assert check_password(PASSWORD, fresh(tenant_a, customer).portal_password)


def test_a_weak_new_password_spends_no_try_and_keeps_the_code(tenant_a):
    portal_customer(tenant_a)
    client = Client(HTTP_HOST=host_of(tenant_a))
    ask_for_code(client)
    code = last_code()
    for _ in range(6):
        response = confirm(client, code, password="12345678")
        assert "too common" in field_errors(html(response), "new_password1")
    assert confirm(client, code)["Location"] == "/portal/"


def test_the_code_is_stored_hashed(tenant_a):
    portal_customer(tenant_a)
    ask_for_code(Client(HTTP_HOST=host_of(tenant_a)))
    code = last_code()
    redis = get_redis_connection("default")
    for key in redis.scan_iter(match="*portal-reset:*"):
        assert code.encode() not in (redis.get(key) or b"")


# --- staff and portal never cross ------------------------------------------------------------


def test_a_staff_session_gives_no_portal_access(tenant_a):
    client = panel_client(tenant_a, "admin")
    response = client.get("/portal/")
    assert response["Location"] == "/portal/login/"
    assert client.get("/portal/login/").status_code == 200


def test_a_portal_session_gives_no_staff_access(tenant_a):
    portal_customer(tenant_a)
    client = signed_in(tenant_a)
    for url in ("/", "/customers/", "/settings/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    # Even the portal's session key put in the staff cookie is nobody there.
    client.cookies["sessionid"] = client.cookies[COOKIE_NAME].value
    assert client.get("/customers/")["Location"].startswith("/login/")


def test_a_portal_token_is_refused_on_staff_endpoints(tenant_a):
    portal_customer(tenant_a)
    pair = portal_tokens(tenant_a).json()
    client = bearer(pair["access"], host_of(tenant_a))
    for url in ("/api/v1/customers/", "/api/v1/users/"):
        assert_error(client.get(url), 401, "token_not_valid")
    response = api(host_of(tenant_a)).post(
        "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert_error(response, 401, "token_not_valid")


def test_a_staff_token_is_refused_on_the_portal_api(tenant_a):
    staff = client_for(tenant_a, "admin")
    assert_error(staff.get("/api/v1/portal/me/"), 401, "token_not_valid")


def test_the_portal_api_speaks_for_the_customer(tenant_a):
    customer = portal_customer(tenant_a, first_login=True)
    response = portal_tokens(tenant_a, phone="0048601234567")
    assert response.status_code == 200, response.content
    pair = response.json()
    me = bearer(pair["access"], host_of(tenant_a)).get("/api/v1/portal/me/")
    assert me.json() == {"id": str(customer.pk), "name": "Anna Kowalska", "phone": PHONE,
                         "must_change_password": True}  # fmt: skip
    assert_error(api(host_of(tenant_a)).get("/api/v1/portal/me/"), 401, "not_authenticated")
    # Refresh rotates: the old refresh token is spent.
    host = host_of(tenant_a)
    again = api(host).post(
        "/api/v1/portal/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert again.status_code == 200, again.content
    assert bearer(again.json()["access"], host).get("/api/v1/portal/me/").status_code == 200
    spent = api(host).post(
        "/api/v1/portal/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert spent.status_code == 401


def test_the_portal_api_changes_the_password(tenant_a):
    customer = portal_customer(tenant_a, first_login=True)
    host = host_of(tenant_a)
    old = portal_tokens(tenant_a).json()
    client = bearer(old["access"], host)
    url = "/api/v1/portal/auth/password/change/"
    response = client.post(url, {"old_password": "x", "new_password": NEW_PASSWORD}, format="json")
    assert "old_password" in assert_error(response, 400, "invalid")["fields"]
    response = client.post(
        url, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    assert not fresh(tenant_a, customer).portal_first_login
    assert client.get("/api/v1/portal/me/").status_code == 401  # the old token is void
    assert bearer(response.json()["access"], host).get("/api/v1/portal/me/").status_code == 200


def test_wrong_portal_credentials_on_the_api(tenant_a):
    portal_customer(tenant_a)
    assert_error(portal_tokens(tenant_a, password="wrong"), 401, "invalid_credentials")
    response = portal_tokens(tenant_a, phone="not a phone")
    assert "phone" in assert_error(response, 400, "invalid")["fields"]


# --- other tenants ---------------------------------------------------------------------------


def test_tenant_a_session_and_token_are_useless_on_tenant_b(tenant_a, tenant_b):
    portal_customer(tenant_a)
    portal_customer(tenant_b, name="Someone Else")  # the same phone, another account
    client = signed_in(tenant_a)
    access = portal_tokens(tenant_a).json()["access"]
    key = client.cookies[COOKIE_NAME].value
    response = client.get("/portal/", HTTP_HOST=host_of(tenant_b))
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/"
    assert_error(
        bearer(access, host_of(tenant_b)).get("/api/v1/portal/me/"), 401, "token_not_valid"
    )
    # ...and it cost tenant A's session nothing (B's answer drops the cookie, but a
    # browser keeps cookies per host; the test client has one jar for all).
    client.cookies[COOKIE_NAME] = key
    assert "Anna Kowalska" in html(client.get("/portal/"))


def test_tenant_a_session_on_tenant_b_never_shows_a_customer_on_any_portal_url(tenant_a, tenant_b):
    portal_customer(tenant_a)
    portal_customer(tenant_b, name="Someone Else")
    key = signed_in(tenant_a).cookies[COOKIE_NAME].value
    for url, _view in portal_routes():
        client = Client(HTTP_HOST=host_of(tenant_b))
        client.cookies[COOKIE_NAME] = key
        response = client.get(url)
        assert response.status_code in (200, 302, 405), url
        if response.status_code == 302:
            assert response["Location"].startswith(("/portal/login/", "/portal/reset/")), url
        assert "Anna Kowalska" not in html(response) and "Someone Else" not in html(response)


def test_a_session_of_a_restored_copy_is_void(tenant_a):
    """The session row says which tenant made it; another id (a copy restored with a new
    one) is a stranger even though the row is there."""
    portal_customer(tenant_a)
    client = signed_in(tenant_a)
    from django.contrib.sessions.backends.db import SessionStore

    with tenant_context(tenant_a):
        store = SessionStore(client.cookies[COOKIE_NAME].value)
        store["_portal_tenant"] = "00000000-0000-0000-0000-000000000000"
        store.save()
    assert client.get("/portal/")["Location"] == "/portal/login/"
    # A session whose customer id is no id at all is nobody's either (never a 500).
    client = signed_in(tenant_a)
    with tenant_context(tenant_a):
        store = SessionStore(client.cookies[COOKIE_NAME].value)
        store["_portal_customer"] = "not-a-uuid"
        store.save()
    assert client.get("/portal/")["Location"] == "/portal/login/"


# --- the @portal switch ----------------------------------------------------------------------


def test_with_the_portal_module_off_every_portal_page_and_api_is_404(tenant_a):
    portal_customer(tenant_a)
    client = signed_in(tenant_a)
    access = portal_tokens(tenant_a).json()["access"]
    module_off(tenant_a)
    for url, _view in portal_routes():
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    host = host_of(tenant_a)
    assert bearer(access, host).get("/api/v1/portal/me/").status_code == 404
    assert api(host).get("/api/v1/portal/me/").status_code == 404
    assert portal_tokens(tenant_a).status_code == 404
    response = api(host).post("/api/v1/portal/auth/token/refresh/", {}, format="json")
    assert response.status_code == 404


def test_staff_logins_are_untouched_by_portal_failures(tenant_a):
    staff_user(tenant_a, "admin")
    for _ in range(6):
        portal_login(tenant_a, phone="601 000 009", password="x")
    response = Client(HTTP_HOST=host_of(tenant_a)).post(
        "/login/", {"username": "admin@tenant-a.example.com", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302


def test_a_reset_code_of_tenant_a_is_nothing_on_tenant_b(tenant_a, tenant_b):
    portal_customer(tenant_a)
    customer_b = portal_customer(tenant_b)  # the same phone on B: another account
    ask_for_code(Client(HTTP_HOST=host_of(tenant_a)))
    code = last_code()
    with tenant_context(tenant_b), pytest.raises(ValidationError) as refused:
        services.customer_portal_reset_confirm(phone=PHONE, code=code, new=NEW_PASSWORD)
    assert "code" in refused.value.message_dict
    assert check_password(PASSWORD, fresh(tenant_b, customer_b).portal_password)


def test_the_language_switch_stays_on_the_portal(tenant_a):
    client = Client(HTTP_HOST=host_of(tenant_a))
    response = client.post("/i18n/setlang/", {"language": "pl", "next": "/portal/login/"})
    assert response["Location"] == "/portal/login/"
    assert '<html lang="pl">' in html(client.get("/portal/login/"))
