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
