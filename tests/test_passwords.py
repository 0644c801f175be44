"""Password change and reset by e-mail, bound to the tenant's host."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from tests.support import TEST_PASSWORD, api, assert_error, bearer, tokens

pytestmark = pytest.mark.django_db(databases="__all__")


def test_change_password_over_the_api_revokes_old_refresh_tokens():
    pair = tokens()
    client = bearer(pair["access"])
    wrong = client.post(
        "/api/v1/auth/password/change/",
        {"old_password": "nope", "new_password": "Brand-New-Pass-77"},
        format="json",
    )
    assert assert_error(wrong, 400, "invalid")["fields"] == {
        "old_password": ["Your current password is not correct."]
    }
    weak = client.post(
        "/api/v1/auth/password/change/",
        {"old_password": TEST_PASSWORD, "new_password": "123"},
        format="json",
    )
    assert "new_password" in assert_error(weak, 400, "invalid")["fields"]

    done = client.post(
        "/api/v1/auth/password/change/",
        {"old_password": TEST_PASSWORD, "new_password": "Brand-New-Pass-77"},
        format="json",
    )
    assert done.status_code == 204
    refreshed = api().post(
        "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert_error(refreshed, 401, "token_not_valid")
    old = api().post(
        "/api/v1/auth/token/",
        {"email": "admin@tenant-a.example.com", "password": TEST_PASSWORD},
        format="json",
    )
    assert old.status_code == 401
    new = api().post(
        "/api/v1/auth/token/",
        {"email": "admin@tenant-a.example.com", "password": "Brand-New-Pass-77"},
        format="json",
    )
    assert new.status_code == 200


def test_reset_by_email_links_to_the_tenant_host_and_works_only_there():
    unknown = api().post("/api/v1/auth/password/reset/", {"email": "nobody@x.pl"}, format="json")
    assert unknown.status_code == 204 and mail.outbox == []  # no account enumeration

    response = api().post(
        "/api/v1/auth/password/reset/", {"email": "ADMIN@tenant-a.example.com"}, format="json"
    )
    assert response.status_code == 204
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@tenant-a.example.com"]
    link = re.search(r"http://tenant-a\.localhost(/reset/\S+/)", str(message.body))
    assert link, message.body
    path = link.group(1)

    # The same link on tenant B's host finds no such user there.
    other = Client(HTTP_HOST="tenant-b.localhost").get(path, follow=True)
    assert b"Password reset unsuccessful" in other.content

    client = Client(HTTP_HOST="tenant-a.localhost")
    form = client.get(path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Reset-Pass-9876", "new_password2": "Reset-Pass-9876"}
    )
    assert done.status_code == 302
    login = APIClient(HTTP_HOST="tenant-a.localhost").post(
        "/api/v1/auth/token/",
        {"email": "admin@tenant-a.example.com", "password": "Reset-Pass-9876"},
        format="json",
    )
    assert login.status_code == 200


def test_password_change_page_needs_login():
    client = Client(HTTP_HOST="tenant-a.localhost")
    assert client.get("/password_change/")["Location"].startswith("/login/")
    client.post("/login/", {"username": "admin@tenant-a.example.com", "password": TEST_PASSWORD})
    assert client.get("/password_change/").status_code == 200
