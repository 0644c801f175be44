"""Redis down (issue 18, 2, the pages' part): the tenant registry reads the platform
database and keeps in-process copies for a short while, the cache misses instead of
failing, the login lockout fails open (the password is still checked) -- so a tenant's
pages keep answering, and a suspend is still seen, within DEGRADED_SECONDS."""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy

import pytest
from django.conf import settings
from django.test import override_settings

from dockpulse.tenancy.registry import registry
from platform_app.models import Tenant
from tests.support import TEST_PASSWORD, browser_login, host_of, login_page, staff_user

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def redis_down() -> Iterator[None]:
    """Every Redis client of this process pointed at a port nothing listens on."""
    caches = deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:1/0"
    with override_settings(CACHES=caches):
        registry._by_slug.clear()  # a process that starts (or restarts) during the outage
        registry._loaded_at.clear()
        registry._warned_at = 0.0
        yield
    registry._by_slug.clear()
    registry._loaded_at.clear()
    registry._outage = False  # Redis was never really down: nothing to heal


def test_pages_keep_working_and_a_suspend_is_still_seen(tenant_a, redis_down):
    staff_user(tenant_a, "manager")
    client = browser_login(f"manager@{tenant_a.slug}.example.com", TEST_PASSWORD,
                           host_of(tenant_a))  # fmt: skip
    assert client.get("/").status_code == 200
    assert registry._warned_at > 0  # it did find Redis down, and read the database
    assert client.get("/customers/").status_code == 200
    assert client.get("/login/", HTTP_HOST="nobody.localhost").status_code == 404
    # Suspended meanwhile: seen once the in-process copy is older than DEGRADED_SECONDS.
    Tenant.objects.filter(slug=tenant_a.slug).update(status="suspended")
    try:
        registry._loaded_at[tenant_a.slug] = 0.0
        assert client.get("/").status_code == 403
    finally:
        Tenant.objects.filter(slug=tenant_a.slug).update(status="active")
        registry._loaded_at[tenant_a.slug] = 0.0
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_still_refused_while_the_lockout_cannot_count(tenant_a, redis_down):
    staff_user(tenant_a, "manager")
    _client, refused = login_page(host_of(tenant_a), f"manager@{tenant_a.slug}.example.com",
                                  "wrong-password")  # fmt: skip
    assert refused.status_code == 200  # the form again, with its error; no session
    assert "sessionid" not in refused.cookies


# --- platform actions and health while Redis is down (issue 18, 2) ------------------------


def status_of(slug: str) -> str:
    info = registry.get(slug)
    assert info is not None
    return info.status


@pytest.fixture
def reload_tenant_b_after() -> Iterator[None]:
    """The test's row changes roll back, but Redis keeps what was published: make every
    process read tenant-b again afterwards."""
    yield
    registry.publish("tenant-b", "reload-after-test")


def test_a_platform_action_while_redis_is_down_commits_and_is_seen_once_it_is_back(
    tenant_b, reload_tenant_b_after, django_capture_on_commit_callbacks
):
    from platform_app.services import tenant_suspend

    assert status_of("tenant-b") == "active"  # this process has a copy
    caches = deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:1/0"
    with override_settings(CACHES=caches):
        with django_capture_on_commit_callbacks(execute=True):
            tenant_suspend(slug="tenant-b", reason="unpaid", actor="test")  # no error
        assert Tenant.objects.get(slug="tenant-b").status == "suspended"
        assert registry.publish("tenant-b", "any") is False
    # Redis is back (with the stamp from before the suspend): the first lookup heals the
    # hash from the platform database, so no process keeps serving its old copy.
    assert status_of("tenant-b") == "suspended"


def test_the_periodic_reconcile_heals_a_change_whose_publish_was_lost(
    tenant_b, reload_tenant_b_after
):
    """A process that never noticed the outage (it served nothing meanwhile) trusts
    Redis; beat's registry_reconcile puts the platform database's stamps there."""
    from django.utils import timezone

    from platform_app.tasks.maintenance import registry_reconcile

    assert status_of("tenant-b") == "active"
    # Suspended while Redis was down, by a process that has exited since.
    Tenant.objects.filter(slug="tenant-b").update(status="suspended", updated_at=timezone.now())
    assert status_of("tenant-b") == "active"  # the stale copy: what this is for
    assert registry_reconcile() >= 1
    assert status_of("tenant-b") == "suspended"
    assert registry_reconcile() == 0


def test_the_health_page_says_redis_is_down(redis_down):
    from tests.platform_support import platform_admin_client

    client = platform_admin_client("ops-redis-down@platform.example.com")
    page = client.get("/health/", HTTP_HOST="app.localhost")
    assert page.status_code == 200
    text = page.content.decode()
    assert "does not answer" in text and "Redis does not answer" in text
    deep = client.get("/healthz/deep", HTTP_HOST="app.localhost")
    assert deep.status_code == 503
    body = deep.json()
    assert body["status"] == "down" and body["redis"]["ok"] is False
