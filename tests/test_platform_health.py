"""The platform's health page and /healthz/deep (docs/platform.md, "Health"): real
PostgreSQL and Redis figures, queue lengths, the workers' heartbeat, delivery backlogs
and failed migrations; the JSON for a platform admin or the monitoring token only."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_redis import get_redis_connection

from platform_app.models import Tenant, TenantUsage
from platform_app.selectors_health import health_report
from platform_app.tasks.health import HEARTBEAT_KEY, worker_heartbeat
from tests.platform_support import HOST, platform_admin_client
from tests.support import browser_login, html, tokens

pytestmark = pytest.mark.django_db(databases="__all__")

TOKEN = "monitor-" + "x" * 32


@pytest.fixture(autouse=True)
def _no_heartbeat_left_behind() -> None:
    get_redis_connection("default").delete(HEARTBEAT_KEY)


def admin() -> Client:
    return platform_admin_client(f"ops-{uuid.uuid4().hex[:8]}@platform.example.com")


def test_the_page_shows_real_postgresql_and_redis_figures() -> None:
    worker_heartbeat()
    response = admin().get("/health/")
    assert response.status_code == 200
    text = html(response)
    assert "PostgreSQL" in text and "Redis" in text
    assert "connections" in text
    # The tenants' databases are listed with their sizes.
    tenant_a = Tenant.objects.get(slug="tenant-a")
    assert tenant_a.db_name in text
    assert 'id="redis-memory"' in text
    for queue in ("events", "notifications", "webhooks", "maintenance"):
        assert f'data-queue="{queue}"' in text


def test_the_report_holds_live_figures() -> None:
    worker_heartbeat()
    report = health_report()
    main = report.servers[0]
    assert main.ok and 0 < main.connections <= main.max_connections
    sizes = {db.tenant: db.size_bytes for db in main.databases}
    assert sizes["tenant-a"] > 1_000_000 and sizes["tenant-b"] > 1_000_000
    assert report.redis.ok and report.redis.used_memory_bytes > 0
    assert set(report.queues) == {"events", "notifications", "webhooks", "maintenance"}
    assert all(isinstance(length, int) for length in report.queues.values())
    assert report.heartbeat_age_seconds is not None and report.heartbeat_age_seconds < 5


def test_a_missing_or_old_heartbeat_is_a_problem() -> None:
    report = health_report()
    assert "No worker heartbeat has been recorded." in report.problems
    assert report.status == "degraded"
    get_redis_connection("default").set(HEARTBEAT_KEY, repr(time.time() - 7 * 60))
    assert "No worker heartbeat for 7 minutes." in health_report().problems


def test_a_tenant_with_a_failed_migration_and_a_backlog_is_listed() -> None:
    worker_heartbeat()
    Tenant.objects.filter(slug="tenant-b").update(
        migration_state=Tenant.MigrationState.FAILED, migration_error="relation x missing"
    )
    tenant_a = Tenant.objects.get(slug="tenant-a")
    TenantUsage.objects.update_or_create(
        tenant=tenant_a,
        defaults={
            "undelivered_events": 12,
            "oldest_undelivered_at": timezone.now() - timedelta(hours=1),
            "failed_deliveries": 3,
            "gathered_at": timezone.now(),
        },
    )
    response = admin().get("/health/")
    text = html(response)
    assert 'id="failed-migrations"' in text and "tenant-b" in text
    assert "relation x missing" in text
    assert "Tenant tenant-b: its last migration failed." in text
    assert "Tenant tenant-a has 3 failed deliveries." in text
    assert "Tenant tenant-a has 12 undelivered events" in text
    report = health_report()
    assert report.status == "degraded"
    assert [m.slug for m in report.failed_migrations] == ["tenant-b"]
    assert [(b.slug, b.failed_deliveries) for b in report.backlog] == [("tenant-a", 3)]


def test_healthz_deep_answers_a_verified_admin_with_json() -> None:
    worker_heartbeat()
    response = admin().get("/healthz/deep")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] in ("ok", "degraded")
    assert set(body) >= {
        "status",
        "problems",
        "servers",
        "redis",
        "queues",
        "heartbeat_at",
        "backlog",
        "failed_migrations",
    }
    assert body["servers"][0]["ok"] is True
    assert body["servers"][0]["max_connections"] > 0
    assert body["redis"]["ok"] is True


@override_settings(PLATFORM_HEALTH_TOKEN=TOKEN)
def test_healthz_deep_takes_the_monitoring_token() -> None:
    client = Client(HTTP_HOST=HOST)
    ok = client.get("/healthz/deep", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200 and "servers" in ok.json()
    assert client.get("/healthz/deep", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/healthz/deep").status_code == 403


def test_without_a_configured_token_no_bearer_gets_in() -> None:
    client = Client(HTTP_HOST=HOST)
    with override_settings(PLATFORM_HEALTH_TOKEN=""):
        assert client.get("/healthz/deep", HTTP_AUTHORIZATION="Bearer ").status_code == 403
    # The page itself is a platform page: the sign-in first.
    assert client.get("/health/")["Location"].startswith("/login/")


@override_settings(PLATFORM_HEALTH_TOKEN=TOKEN)
def test_a_tenants_staff_session_and_token_never_reach_health() -> None:
    staff = browser_login()
    for path in ("/health/", "/healthz/deep"):
        response = staff.get(path, HTTP_HOST=HOST)
        assert response.status_code in (302, 403), path
        assert "servers" not in html(response)
    access = tokens()["access"]
    response = Client(HTTP_HOST=HOST).get("/healthz/deep", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 403
    # Nor does the tenant's host have these pages.
    assert browser_login().get("/healthz/deep").status_code == 404


def test_the_heartbeat_task_records_the_time() -> None:
    before = time.time()
    stamp = worker_heartbeat()
    assert before <= stamp <= time.time()
    assert float(get_redis_connection("default").get(HEARTBEAT_KEY)) == stamp


@override_settings(PLATFORM_HEALTH_TOKEN=TOKEN)
def test_a_non_ascii_bearer_is_refused_not_an_error() -> None:
    client = Client(HTTP_HOST=HOST)
    response = client.get("/healthz/deep", HTTP_AUTHORIZATION="Bearer zażółć")
    assert response.status_code == 403
