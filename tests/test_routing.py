"""The router and the middleware fail closed: no context, no query; bad host, no tenant."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dockpulse.tenancy import (
    NoTenantContext,
    WrongContext,
    platform_context,
    tenant_atomic,
    tenant_context,
    unset_context,
)
from platform_app.models import Tenant
from tenant_apps.accounts.models import User
from tenant_apps.configuration.models import TenantModule
from tests.support import TEST_PASSWORD

pytestmark = pytest.mark.django_db(databases="__all__")


def test_unset_context_raises_for_tenant_and_user_models():
    with unset_context():
        with pytest.raises(NoTenantContext):
            TenantModule.objects.count()
        with pytest.raises(NoTenantContext):
            User.objects.count()
        with pytest.raises(NoTenantContext), tenant_atomic():
            pass
        # Platform tables have one home, whatever the context.
        assert Tenant.objects.filter(slug="tenant-a").exists()


def test_platform_context_refuses_tenant_models_and_routes_users_to_default():
    with platform_context():
        with pytest.raises(WrongContext):
            TenantModule.objects.count()
        with CaptureQueriesContext(connections["default"]) as queries:
            User.objects.filter(email="admin@tenant-a.example.com").exists()
        assert len(queries) == 1
        assert not User.objects.filter(email="admin@tenant-a.example.com").exists()


def test_instance_from_one_tenant_cannot_be_saved_in_another(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        admin_a = User.objects.get(email="admin@tenant-a.example.com")
    with tenant_context(tenant_b):
        admin_a.name = "Hijacked"
        with pytest.raises(WrongContext):
            admin_a.save()
    with tenant_context(tenant_b):
        assert not User.objects.filter(name="Hijacked").exists()


def test_contexts_nest_and_restore(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        with tenant_context(tenant_b):
            assert User.objects.get().email == "admin@tenant-b.example.com"
        assert User.objects.get().email == "admin@tenant-a.example.com"


@pytest.mark.parametrize("host", ["nosuchtenant.localhost", "zz9.localhost"])
def test_unknown_slug_is_404(host):
    with CaptureQueriesContext(connections["default"]) as queries:
        response = Client(HTTP_HOST=host).get("/")
    assert response.status_code == 404
    assert "There is no DockPulse account at this address." in response.content.decode()
    # Unknown slugs are answered from the Redis registry, not the platform database.
    assert len(queries) == 0


def test_unknown_slug_answers_in_the_visitors_language_not_the_threads_last():
    # A worker thread's previous request (a Polish one) leaves its language active.
    translation.activate("pl")
    try:
        english = Client(HTTP_HOST="nosuchtenant.localhost").get("/")
        polish = Client(HTTP_HOST="nosuchtenant.localhost").get("/", HTTP_ACCEPT_LANGUAGE="pl")
    finally:
        translation.deactivate()
    assert "There is no DockPulse account at this address." in english.content.decode()
    assert "Pod tym adresem nie ma konta DockPulse." in polish.content.decode()


@pytest.mark.parametrize(
    ("host", "statuses"),
    [
        ("-bad.localhost", {400, 404}),
        ("a.b.localhost", {400, 404}),
        ("UPPER_case.localhost", {400, 404}),
        ("evil.example.com", {400}),
        ("tenant-a.localhost.evil.com", {400}),
        ("x" * 41 + ".localhost", {404}),
    ],
)
def test_malformed_host_is_400_or_404(host, statuses):
    response = Client(HTTP_HOST=host).get("/")
    assert response.status_code in statuses


def test_healthz_on_every_host():
    for host in ("localhost", "app.localhost", "tenant-a.localhost", "nosuch.localhost"):
        response = Client(HTTP_HOST=host).get("/healthz")
        assert response.status_code == 200, host
        assert response.json() == {"status": "ok"}


def test_warm_tenant_request_makes_no_platform_query():
    client = Client(HTTP_HOST="tenant-a.localhost")
    client.post("/login/", {"username": "admin@tenant-a.example.com", "password": TEST_PASSWORD})
    client.get("/")  # warm: the tenant is now cached in this process
    with (
        CaptureQueriesContext(connections["default"]) as platform_queries,
        CaptureQueriesContext(connections["tenant_tenant-a"]) as tenant_queries,
    ):
        response = client.get("/")
    assert response.status_code == 200
    assert len(platform_queries) == 0, [q["sql"] for q in platform_queries]
    assert len(tenant_queries) > 0  # the session, the user and the modules came from tenant-a


def test_request_id_is_echoed_or_generated():
    client = Client(HTTP_HOST="tenant-a.localhost")
    assert client.get("/login/", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    generated = client.get("/login/", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert generated != "bad id with spaces" and len(generated) == 32
