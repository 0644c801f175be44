"""Migrating the template and every tenant database, fast.

A tenant is up to date when its `django_migrations` rows hold every node of the migration
graph (Django records every migration on every database, also the ones the router skips
there). That is one indexed query on a direct connection, made for many tenants at once on
threads, so a run where nothing is to do costs milliseconds per tenant and starts no Django
machinery per tenant.

Tenants that do need migrations are migrated in parallel processes (Django's migrate is not
thread-safe). When the pending migrations reduce to SQL (no RunPython, all atomic), the SQL
is collected once per process and replayed in one transaction per tenant, with the
migration rows and the post-migrate content types and permissions: identical schemas give
identical SQL, and no tenant is ever half-migrated. Otherwise Django's own `migrate` runs
for that tenant.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from io import StringIO
from multiprocessing import get_all_start_methods, get_context
from typing import Any

import psycopg
from django.apps import apps as global_apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import QuerySet
from django.db.models.signals import post_migrate
from django.utils import timezone

from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy import dbadmin, tenant_context
from dockpulse.tenancy.info import TenantInfo, template_info
from dockpulse.tenancy.router import app_kind
from platform_app import migration_worker
from platform_app.directory import info_from_model, publish
from platform_app.models import Tenant

logger = logging.getLogger(__name__)

Key = tuple[str, str]


# --- what a database should have --------------------------------------------------------


@functools.cache
def _disk_loader() -> MigrationLoader:
    return MigrationLoader(None, ignore_no_migrations=True)


@functools.cache
def graph_order() -> tuple[Key, ...]:
    """Every migration on disk, in an order that applies dependencies first."""
    graph = _disk_loader().graph
    ordered: dict[Key, None] = {}
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            ordered.setdefault(key, None)
    return tuple(ordered)


def applied_migrations(info: TenantInfo) -> set[Key]:
    """The rows of the database's django_migrations, over a direct connection."""
    params = dbadmin.connection_params(info.db_host, info.db_port)
    params["dbname"] = info.db_name
    with psycopg.connect(**params, connect_timeout=10) as conn:
        try:
            rows = conn.execute("SELECT app, name FROM django_migrations").fetchall()
        except psycopg.errors.UndefinedTable:
            return set()  # a new, empty database
    return {(app, name) for app, name in rows}


def pending_for(applied: set[Key]) -> list[Key]:
    return [key for key in graph_order() if key not in applied]


def latest_per_app(keys: Iterable[Key]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in sorted(keys):
        latest[app] = name
    return latest


@dataclass
class TenantCheck:
    tenant: Tenant
    pending: list[Key] = field(default_factory=list)
    error: str = ""


def check_tenants(tenants: Iterable[Tenant], *, threads: int = 8) -> list[TenantCheck]:
    """Pending migrations of each tenant (an error instead where it cannot be read)."""

    def check(tenant: Tenant) -> TenantCheck:
        try:
            applied = applied_migrations(info_from_model(tenant))
        except psycopg.Error as exc:
            return TenantCheck(tenant, error=f"{type(exc).__name__}: {exc}".strip())
        return TenantCheck(tenant, pending=pending_for(applied))

    tenants = list(tenants)
    if len(tenants) <= 1:
        return [check(t) for t in tenants]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(check, tenants))


# --- the template ------------------------------------------------------------------------


def template_exists() -> bool:
    with dbadmin.admin_connection() as conn:
        return dbadmin.database_exists(conn, dbadmin.template_db_name())


def template_migrate(*, plan_only: bool = False) -> list[Key]:
    """Create the template if missing and migrate it, under the clone lock. Returns what
    it applied (or, with plan_only, would apply).

    It accepts connections only while this runs: CREATE DATABASE ... TEMPLATE fails while
    anyone is connected to it.
    """
    name = dbadmin.template_db_name()
    info = template_info(name)
    with dbadmin.admin_connection() as conn, dbadmin.template_lock(conn):
        if not dbadmin.database_exists(conn, name):
            if plan_only:
                return list(graph_order())
            dbadmin.create_database(conn, name)
        dbadmin.set_allow_connections(conn, name, True)
        try:
            pending = pending_for(applied_migrations(info))
            if pending and not plan_only:
                database_migrate(info)
            return pending
        finally:
            tenant_connections.forget(info.alias)
            # Refuse new connections first, then end those still there.
            dbadmin.set_allow_connections(conn, name, False)
            dbadmin.terminate_connections(conn, name)


def database_migrate(info: TenantInfo) -> None:
    """Django's own `migrate` on one tenant (or template, or staging) database: for what
    cannot be replayed as SQL, a template behind the code, a restored backup."""
    with tenant_context(info):
        alias = tenant_connections.alias_for(info)
        call_command("migrate", database=alias, interactive=False, verbosity=0, stdout=StringIO())


# --- one tenant ----------------------------------------------------------------------------


@dataclass
class MigrationResult:
    slug: str
    status: str  # "migrated", "skipped" or "failed"
    applied: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""


def _replayable(migration: Migration) -> bool:
    """True if the migration's effect on a tenant database is plain SQL in one transaction."""
    if app_kind(migration.app_label) == "platform":
        return True  # skipped on tenant databases: only its row is recorded
    if not migration.atomic:
        return False
    return all(operation.reduces_to_sql for operation in migration.operations)


_sql_cache: dict[tuple[Key, ...], list[str]] = {}


def _collected_sql(alias: str, pending: tuple[Key, ...]) -> list[str]:
    """The SQL of `pending` on a database at the state before them; the same for every
    tenant at that state, so it is collected once per process."""
    if pending not in _sql_cache:
        connection = connections[alias]
        loader = _disk_loader()
        # The state with every applied migration (of every app), as migrate starts from;
        # sqlmigrate's would hold only the first pending migration's ancestors.
        pending_set = set(pending)
        applied = [key for key in graph_order() if key not in pending_set]
        state = loader.project_state(applied, at_end=True)
        statements: list[str] = []
        for key in pending:
            migration = loader.graph.nodes[key]
            with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
                state = migration.apply(state, editor, collect_sql=True)
            statements.extend(editor.collected_sql)
        _sql_cache[pending] = statements
    return _sql_cache[pending]


def _replay(info: TenantInfo, pending: list[Key]) -> None:
    alias = tenant_connections.alias_for(info)
    loader = _disk_loader()
    statements = _collected_sql(alias, tuple(pending))
    connection = connections[alias]
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            # No wait for the WAL flush at commit: a crash right after loses this whole
            # transaction (never part of it), and the next run applies it again.
            cursor.execute("SET LOCAL synchronous_commit = off")
            for statement in statements:
                if statement.strip() and not statement.lstrip().startswith("--"):
                    cursor.execute(statement)
        recorder = MigrationRecorder(connection)
        for app, name in pending:
            recorder.record_applied(app, name)
        # What migrate does afterwards: content types and permissions of new models; only
        # for the apps the plan touched (Django's migrate signals every app).
        plan = [(loader.graph.nodes[key], False) for key in pending]
        for label in sorted({app for app, _ in pending if app_kind(app) != "platform"}):
            app_config = global_apps.get_app_config(label)
            post_migrate.send(
                sender=app_config, app_config=app_config, verbosity=0, interactive=False,
                using=alias, apps=global_apps, plan=plan,
            )  # fmt: skip


def tenant_migrate(tenant: Tenant, pending: list[Key] | None = None) -> MigrationResult:
    """Apply a tenant's pending migrations and record the outcome on its row."""
    started = time.perf_counter()
    info = info_from_model(tenant)
    try:
        if pending is None:
            pending = pending_for(applied_migrations(info))
        loader = _disk_loader()
        with tenant_context(info):
            if pending and all(_replayable(loader.graph.nodes[key]) for key in pending):
                try:
                    _collected_sql(tenant_connections.alias_for(info), tuple(pending))
                except Exception:  # cannot be written as SQL after all: Django's way
                    logger.warning("replaying %s failed to collect; using migrate", pending)
                    database_migrate(info)
                    applied_now = applied_migrations(info)
                else:
                    _replay(info, pending)
                    # Committed in one transaction with the schema: the rows are there.
                    applied_now = set(graph_order())
            else:
                if pending:
                    database_migrate(info)
                applied_now = applied_migrations(info)
            # A worker migrates many tenants: keep no connection to one it is done with.
            tenant_connections.forget(info.alias)
    except Exception as exc:  # record any failure and carry on with the next tenant
        logger.warning("migrating tenant %s failed: %s", tenant.slug, exc)
        error = f"{type(exc).__name__}: {exc}".strip()[:4000]
        _record_failed(Tenant.objects.filter(pk=tenant.pk), error)
        return MigrationResult(tenant.slug, "failed", seconds=_since(started), error=error)
    missing = pending_for(applied_now)
    if missing:
        error = f"still pending after migrate: {', '.join(map('.'.join, missing))}"
        _record_failed(Tenant.objects.filter(pk=tenant.pk), error)
        return MigrationResult(tenant.slug, "failed", seconds=_since(started), error=error)
    # QuerySet.update leaves updated_at alone: a migration is no reason for every process
    # to reload the tenant -- unless it was fenced off by a failure, which now ends.
    Tenant.objects.filter(pk=tenant.pk).exclude(
        migration_state=Tenant.MigrationState.FAILED
    ).update(
        migration_state=Tenant.MigrationState.MIGRATED,
        migrated_to=latest_per_app(applied_now),
        migrated_at=timezone.now(),
        migration_error="",
    )
    _record_recovered(
        Tenant.objects.filter(pk=tenant.pk),
        migrated_to=latest_per_app(applied_now),
        migrated_at=timezone.now(),
    )
    return MigrationResult(
        tenant.slug,
        "migrated",
        applied=[f"{app}.{name}" for app, name in pending],
        seconds=_since(started),
    )


def _record_failed(rows: QuerySet[Tenant], error: str) -> None:
    """A failed migration fences the tenant off: its database is behind the code. The
    row's new stamp tells every process (its host answers "being updated", its tasks and
    events wait) until a migration succeeds."""
    rows.update(
        migration_state=Tenant.MigrationState.FAILED, migration_error=error,
        updated_at=timezone.now(),
    )  # fmt: skip
    _publish_rows(rows)


def _record_recovered(rows: QuerySet[Tenant], **fields: Any) -> None:
    """Tenants that were fenced off by a failure and are now at the code's migrations."""
    failed = rows.filter(migration_state=Tenant.MigrationState.FAILED)
    ids = list(failed.values_list("pk", flat=True))
    if not ids:
        return
    Tenant.objects.filter(pk__in=ids).update(
        migration_state=Tenant.MigrationState.MIGRATED, migration_error="",
        updated_at=timezone.now(), **fields,
    )  # fmt: skip
    _publish_rows(Tenant.objects.filter(pk__in=ids))


def _publish_rows(rows: QuerySet[Tenant]) -> None:
    for row in rows:
        try:
            publish(row)
        except Exception:  # the row is the truth; the next publish carries it
            logger.exception("publishing tenant %s failed", row.slug)


def _since(started: float) -> float:
    return time.perf_counter() - started


# --- many tenants ------------------------------------------------------------------------


def migrate_many(
    checks: list[TenantCheck],
    *,
    parallel: int,
    on_result: Callable[[MigrationResult], None],
) -> list[MigrationResult]:
    """Migrate the tenants that have pending migrations; record the up-to-date ones."""
    results: list[MigrationResult] = []
    todo = [c for c in checks if c.pending or c.error]
    up_to_date = [c.tenant.pk for c in checks if not c.pending and not c.error]
    _record_recovered(Tenant.objects.filter(pk__in=up_to_date))
    Tenant.objects.filter(pk__in=up_to_date).exclude(
        migration_state=Tenant.MigrationState.MIGRATED
    ).update(migration_state=Tenant.MigrationState.MIGRATED, migration_error="")
    for check in checks:
        if not check.pending and not check.error:
            result = MigrationResult(check.tenant.slug, "skipped")
            results.append(result)
            on_result(result)
    if parallel <= 1 or len(todo) <= 1:
        for check in todo:
            result = tenant_migrate(check.tenant, None if check.error else check.pending)
            results.append(result)
            on_result(result)
        return results
    overrides = {
        "testing": settings.TESTING,
        "prefix": settings.TENANT_DB_PREFIX,
        "default": {
            key: connections.settings["default"][key]
            for key in ("NAME", "HOST", "PORT", "USER", "PASSWORD")
        },
    }
    # Children must not share this process's database sockets: close this thread's (the
    # only one that used any) before the workers start. Fork where the platform has it:
    # a worker is ready at once, where spawn would set Django up again in each.
    connections.close_all()
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(
        max_workers=min(parallel, len(todo)),
        mp_context=get_context(method),
        initializer=migration_worker.init,
        initargs=(overrides,),
    ) as pool:
        futures = {
            # A worker unpickles the call after its initializer set Django up, so it can
            # name this module's function and carry the pickled Tenant row.
            pool.submit(tenant_migrate, c.tenant, None if c.error else c.pending): c.tenant.slug
            for c in todo
        }
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # a worker that died: record, report, never hide
                error = f"worker failed: {exc!r}"[:4000]
                _record_failed(Tenant.objects.filter(slug=futures[future]), error)
                result = MigrationResult(futures[future], "failed", error=error)
            results.append(result)
            on_result(result)
    return results
