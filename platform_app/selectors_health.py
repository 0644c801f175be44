"""Reads of the platform's health (docs/platform.md, "Health"): the page and
/healthz/deep show the same `HealthReport`.

Each probe catches its own failure and reports it as a problem: a health page that
answers 500 when Redis is down would hide the one thing it is for. Everything here is
read live (a few cheap queries per database server and Redis round trips), except the
per-tenant delivery figures, which come from TenantUsage (gathered every 15 minutes by
platform.usage_gather_all): reading hundreds of tenant databases per request is what
the usage table exists to avoid.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import psycopg
import redis
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_redis import get_redis_connection

from dockpulse.tenancy import dbadmin

from .models import Tenant, TenantUsage
from .tasks.health import HEARTBEAT_KEY

Status = Literal["ok", "degraded", "down"]

# The Celery queues the workers consume (deploy/docker-compose.yml).
QUEUES = ("events", "notifications", "webhooks", "maintenance")
# Beyond these the page calls it a problem (the status "degraded").
CONNECTIONS_WARN_RATIO = 0.8
HEARTBEAT_WARN_SECONDS = 3 * 60
QUEUE_WARN_LENGTH = 1000
UNDELIVERED_WARN_AGE = timedelta(minutes=10)
_CONNECT_TIMEOUT = 3


@dataclass(slots=True)
class DatabaseSize:
    name: str
    size_bytes: int
    tenant: str = ""  # the slug; "" for the platform's own database


@dataclass(slots=True)
class ServerHealth:
    label: str  # host[:port], or "default" for the platform's own server
    ok: bool = False
    connections: int = 0
    max_connections: int = 0
    databases: list[DatabaseSize] = field(default_factory=list)
    error: str = ""

    @property
    def usage_percent(self) -> int:
        return round(100 * self.connections / self.max_connections) if self.max_connections else 0


@dataclass(slots=True)
class RedisHealth:
    ok: bool = False
    used_memory_bytes: int = 0
    used_memory_human: str = ""
    error: str = ""


@dataclass(slots=True)
class TenantBacklog:
    slug: str
    undelivered_events: int
    oldest_undelivered_at: datetime | None
    failed_deliveries: int
    gathered_at: datetime | None


@dataclass(slots=True)
class FailedMigration:
    slug: str
    error: str


@dataclass(slots=True)
class HealthReport:
    status: Status
    checked_at: datetime
    problems: list[str]
    servers: list[ServerHealth]
    redis: RedisHealth
    queues: dict[str, int | None]
    heartbeat_at: datetime | None
    heartbeat_age_seconds: int | None
    backlog: list[TenantBacklog]
    failed_migrations: list[FailedMigration]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for server, raw in zip(self.servers, data["servers"], strict=True):
            raw["usage_percent"] = server.usage_percent
        return data


# --- the probes ---------------------------------------------------------------------------


def _server_groups() -> dict[tuple[str, int | None], list[tuple[str, str]]]:
    """(host, port) -> [(database, slug)], the platform's own server first."""
    groups: dict[tuple[str, int | None], list[tuple[str, str]]] = {
        ("", None): [(str(settings.DATABASES["default"]["NAME"]), "")]
    }
    rows = (
        Tenant.objects.exclude(status__in=[Tenant.Status.DELETED, Tenant.Status.PROVISIONING])
        .order_by("slug")
        .values_list("db_host", "db_port", "db_name", "slug")
    )
    for host, port, name, slug in rows:
        groups.setdefault((host or "", port), []).append((name, slug))
    return groups


def server_health(host: str, port: int | None, databases: list[tuple[str, str]]) -> ServerHealth:
    label = f"{host}:{port}" if host and port else host or _("default")
    health = ServerHealth(label=label)
    try:
        params = dbadmin.connection_params(host, port)
        conn = psycopg.connect(**params, autocommit=True, connect_timeout=_CONNECT_TIMEOUT)
        with conn, conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity")
            health.connections = int(cursor.fetchone()[0])  # type: ignore[index]
            cursor.execute("SHOW max_connections")
            health.max_connections = int(cursor.fetchone()[0])  # type: ignore[index]
            slugs = dict(databases)
            cursor.execute(
                "SELECT datname, pg_database_size(datname) FROM pg_database "
                "WHERE datname = ANY(%s) ORDER BY 2 DESC",
                [list(slugs)],
            )
            health.databases = [
                DatabaseSize(name=name, size_bytes=int(size), tenant=slugs.get(name, ""))
                for name, size in cursor.fetchall()
            ]
        health.ok = True
    except (psycopg.Error, OSError) as exc:
        health.error = str(exc).strip() or exc.__class__.__name__
    return health


def redis_health() -> RedisHealth:
    health = RedisHealth()
    try:
        client = get_redis_connection("default")
        client.ping()
        info = client.info("memory")
        health.used_memory_bytes = int(info.get("used_memory", 0))
        health.used_memory_human = str(info.get("used_memory_human", ""))
        health.ok = True
    except (redis.RedisError, OSError) as exc:
        health.error = str(exc) or exc.__class__.__name__
    return health


def _broker() -> redis.Redis:
    url = str(settings.CELERY_BROKER_URL)
    # settings spell a unix socket the way kombu wants it; redis-py wants unix://.
    url = url.replace("redis+socket://", "unix://", 1)
    return redis.Redis.from_url(url, socket_timeout=_CONNECT_TIMEOUT)


def queue_lengths() -> dict[str, int | None]:
    """LLEN of each queue's list in the broker (kombu's Redis transport); None when the
    broker does not answer."""
    try:
        client = _broker()
        with client.pipeline(transaction=False) as pipe:
            for queue in QUEUES:
                pipe.llen(queue)
            lengths = pipe.execute()
        return {queue: int(length) for queue, length in zip(QUEUES, lengths, strict=True)}
    except (redis.RedisError, OSError):
        return dict.fromkeys(QUEUES)


def last_heartbeat() -> datetime | None:
    try:
        raw = get_redis_connection("default").get(HEARTBEAT_KEY)
    except (redis.RedisError, OSError):
        return None
    if raw is None:
        return None
    return datetime.fromtimestamp(float(raw), tz=timezone.get_fixed_timezone(0))


def delivery_backlog() -> list[TenantBacklog]:
    """Tenants with undelivered events or failed deliveries, the oldest backlog first."""
    rows = (
        TenantUsage.objects.filter(tenant__status=Tenant.Status.ACTIVE)
        .exclude(undelivered_events=0, failed_deliveries=0)
        .select_related("tenant")
        .order_by("oldest_undelivered_at", "tenant__slug")
    )
    return [
        TenantBacklog(
            slug=row.tenant.slug,
            undelivered_events=row.undelivered_events,
            oldest_undelivered_at=row.oldest_undelivered_at,
            failed_deliveries=row.failed_deliveries,
            gathered_at=row.gathered_at,
        )
        for row in rows
    ]


def failed_migrations() -> list[FailedMigration]:
    return [
        FailedMigration(slug=slug, error=error)
        for slug, error in Tenant.objects.filter(migration_state=Tenant.MigrationState.FAILED)
        .exclude(status=Tenant.Status.DELETED)
        .order_by("slug")
        .values_list("slug", "migration_error")
    ]


# --- the report ---------------------------------------------------------------------------


def health_report() -> HealthReport:
    now = timezone.now()
    servers = [server_health(host, port, dbs) for (host, port), dbs in _server_groups().items()]
    redis_state = redis_health()
    queues = queue_lengths()
    heartbeat = last_heartbeat()
    age = int(time.time() - heartbeat.timestamp()) if heartbeat is not None else None
    backlog = delivery_backlog()
    failed = failed_migrations()

    problems: list[str] = []
    down = False
    for index, server in enumerate(servers):
        if not server.ok:
            down = down or index == 0  # the platform's own database: nothing works
            problems.append(
                _("PostgreSQL %(server)s does not answer: %(error)s")
                % {"server": server.label, "error": server.error}
            )
        elif server.max_connections and (
            server.connections >= CONNECTIONS_WARN_RATIO * server.max_connections
        ):
            problems.append(
                _("PostgreSQL %(server)s uses %(used)d of %(max)d connections.")
                % {
                    "server": server.label,
                    "used": server.connections,
                    "max": server.max_connections,
                }
            )
    if not redis_state.ok:
        down = True
        problems.append(_("Redis does not answer: %(error)s") % {"error": redis_state.error})
    for queue, length in queues.items():
        if length is None:
            problems.append(
                _("The Celery broker does not answer (queue %(queue)s).") % {"queue": queue}
            )
            break
        if length >= QUEUE_WARN_LENGTH:
            problems.append(
                _("Queue %(queue)s has %(count)d waiting tasks.")
                % {"queue": queue, "count": length}
            )
    if age is None:
        problems.append(_("No worker heartbeat has been recorded."))
    elif age >= HEARTBEAT_WARN_SECONDS:
        minutes = age // 60
        problems.append(
            ngettext(
                "No worker heartbeat for %(minutes)d minute.",
                "No worker heartbeat for %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )
    for item in backlog:
        if item.oldest_undelivered_at and now - item.oldest_undelivered_at >= UNDELIVERED_WARN_AGE:
            problems.append(
                _("Tenant %(slug)s has %(count)d undelivered events, the oldest since %(since)s.")
                % {
                    "slug": item.slug,
                    "count": item.undelivered_events,
                    "since": formats.date_format(
                        timezone.localtime(item.oldest_undelivered_at), "SHORT_DATETIME_FORMAT"
                    ),
                }
            )
        if item.failed_deliveries:
            problems.append(
                ngettext(
                    "Tenant %(slug)s has %(count)d failed delivery.",
                    "Tenant %(slug)s has %(count)d failed deliveries.",
                    item.failed_deliveries,
                )
                % {"slug": item.slug, "count": item.failed_deliveries}
            )
    for migration in failed:
        problems.append(_("Tenant %(slug)s: its last migration failed.") % {"slug": migration.slug})

    status: Status = "down" if down else "degraded" if problems else "ok"
    return HealthReport(
        status=status,
        checked_at=now,
        problems=problems,
        servers=servers,
        redis=redis_state,
        queues=queues,
        heartbeat_at=heartbeat,
        heartbeat_age_seconds=age,
        backlog=backlog,
        failed_migrations=failed,
    )
