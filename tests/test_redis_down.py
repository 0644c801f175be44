"""Redis down (issue 18, 2, the pages' part): the tenant registry reads the platform
database and keeps in-process copies for a short while, the cache misses instead of
failing, the login lockout fails open (the password is still checked) -- so a tenant's
pages keep answering, and a suspend is still seen, within DEGRADED_SECONDS."""

from __future__ import annotations

import dataclasses
import threading
import types
import uuid
from collections.abc import Iterator
from copy import deepcopy

import pytest
from django.conf import settings
from django.test import override_settings

from dockpulse.tenancy.registry import _key, registry
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
    registry._healed = registry._failures  # Redis was never really down: nothing to heal


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


# --- a purged tenant's stamp left in Redis by the outage (review MEDIUM 4) ------------------


@pytest.fixture
def purged_copy(tenant_b) -> Iterator[str]:
    """A tenant purged while Redis was down: its row is gone, its forget never reached the
    hash, and this process still holds a copy with the stamp the hash has."""
    from django_redis import get_redis_connection

    slug = f"purged-{uuid.uuid4().hex[:8]}"
    info = registry.get("tenant-b")
    assert info is not None
    ghost = dataclasses.replace(info, id=uuid.uuid4(), slug=slug, stamp="7:stale")
    get_redis_connection("default").hset(_key(), slug, ghost.stamp)
    registry._by_slug[slug] = ghost
    registry._slug_by_id[ghost.id] = slug
    registry._loaded_at[slug] = 0.0
    yield slug
    get_redis_connection("default").hdel(_key(), slug)
    registry._drop_local(slug)


def test_after_the_outage_a_purged_tenants_stale_stamp_is_removed(purged_copy):
    from django_redis import get_redis_connection

    assert registry.get(purged_copy) is not None  # before: the copy answers, no DB read
    registry._note_failure()  # this process saw Redis fail (the lost forget)
    assert registry.get(purged_copy) is None  # the first lookup after it heals the hash
    assert get_redis_connection("default").hget(_key(), purged_copy) is None
    assert purged_copy not in registry._by_slug


def test_the_periodic_reconcile_removes_a_purged_tenants_stamp(purged_copy):
    """Processes that never saw the outage: beat's reconcile removes the stamp, so their
    copies stop answering at their next lookup."""
    from django_redis import get_redis_connection

    from platform_app.tasks.maintenance import registry_reconcile

    assert registry_reconcile() >= 1
    assert get_redis_connection("default").hget(_key(), purged_copy) is None
    assert registry.get(purged_copy) is None
    assert registry_reconcile() == 0


def test_a_row_found_gone_while_redis_is_down_drops_the_copy(tenant_b, redis_down):
    info = registry.get("tenant-b")  # read from the platform database
    assert info is not None
    ghost = dataclasses.replace(info, id=uuid.uuid4(), slug="purged-meanwhile")
    registry._by_slug[ghost.slug] = ghost
    registry._slug_by_id[ghost.id] = ghost.slug
    registry._loaded_at[ghost.slug] = 0.0  # older than DEGRADED_SECONDS: the row is read
    assert registry.get(ghost.slug) is None
    assert ghost.slug not in registry._by_slug and ghost.id not in registry._slug_by_id


def test_a_lookup_succeeding_meanwhile_does_not_clear_another_threads_failure(tenant_b):
    """Review LOW 8: a publish failing in one thread while a lookup's round trip succeeds
    in another must still lead to a heal at the next lookup."""
    from django_redis import get_redis_connection

    registry._healed = registry._failures
    failed = threading.Event()

    def publish_fails() -> None:  # what publish_many does when its HSET fails
        registry._note_failure()
        failed.set()

    class SlowRedis:
        """The lookup's HMGET answers after another thread's publish has failed."""

        def __init__(self) -> None:
            self.conn = get_redis_connection("default")

        def hmget(self, *args: object) -> object:
            thread = threading.Thread(target=publish_fails)
            thread.start()
            thread.join()
            return self.conn.hmget(*args)

        def __getattr__(self, name: str) -> object:
            return getattr(self.conn, name)

    registry._redis = SlowRedis  # type: ignore[method-assign]
    try:
        assert registry.get("tenant-b") is not None
    finally:
        del registry._redis  # the class's method again
    assert failed.is_set()
    assert registry._failures != registry._healed  # still to heal
    assert registry.get("tenant-b") is not None  # heals (reconcile) ...
    assert registry._failures == registry._healed  # ... and is then clean


# --- the worker's consumer losing the broker (review MEDIUM 5) -----------------------------


# Celery warns that worker_cancel_long_running_tasks_on_connection_loss turns True in 6.0.
@pytest.mark.filterwarnings("ignore::celery.exceptions.CPendingDeprecationWarning")
def test_a_lost_broker_connection_keeps_running_tasks_messages_and_celerys_own_steps(
    monkeypatch,
):
    """Redis still reachable when the consumer gives the connection up (a blip, an idle
    kill): the running task's message is not pushed back to its queue (it would run a second
    time beside the first); Celery's socket bound and prefetch reduction still happen."""
    import kombu
    from celery.worker import state
    from celery.worker.consumer import consumer as celery_consumer

    from dockpulse.celery import Consumer, app

    bounded: list[float] = []
    real_bound = celery_consumer.bound_open_broker_sockets

    def bound(connection: object, timeout: float) -> None:
        bounded.append(timeout)
        real_bound(connection, timeout)

    monkeypatch.setattr(celery_consumer, "bound_open_broker_sockets", bound)
    queue = f"test-lost-broker-{uuid.uuid4().hex[:8]}"
    connection = kombu.Connection(settings.CELERY_BROKER_URL)
    simple = connection.SimpleQueue(queue)
    simple.put({"task": "running"})
    running = simple.get(timeout=5)  # delivered, not yet acknowledged: a running task
    consumer = Consumer.__new__(Consumer)  # only what the handler reads
    consumer.connection, consumer.app, consumer.qos_global = connection, app, True
    consumer.pool, consumer.prefetch_multiplier = types.SimpleNamespace(num_processes=2), 4
    request = type("Request", (), {"task": None})()
    state.active_requests.add(request)
    try:
        consumer.on_connection_error_after_connected(ConnectionError("lost"))
        assert consumer.connection is None
        assert bounded == [celery_consumer.COLLECT_SOCKET_TIMEOUT]
        assert consumer.initial_prefetch_count == 4  # 8 less one running task's share
        with kombu.Connection(settings.CELERY_BROKER_URL) as again:
            assert again.default_channel.client.llen(queue) == 0, (
                "the running task was queued again"
            )
    finally:
        state.active_requests.discard(request)
        with kombu.Connection(settings.CELERY_BROKER_URL) as broker:
            broker.SimpleQueue(queue).clear()
            # The message's copy kept for the visibility timeout (this test's broker only).
            broker.default_channel.client.hdel("unacked", running.delivery_tag)
            broker.default_channel.client.zrem("unacked_index", running.delivery_tag)
