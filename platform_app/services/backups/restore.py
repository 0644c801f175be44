"""Restoring a backup: into a fresh database, verified and migrated, then switched in."""

from __future__ import annotations

import logging
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy import dbadmin, pgtools, tenant_context
from dockpulse.tenancy.info import TenantInfo
from dockpulse.tenancy.storage import tenant_files_replace
from dockpulse.tenancy.validation import validate_slug_format
from platform_app.directory import info_from_model, publish
from platform_app.models import Plan, Tenant
from platform_app.services.audit import audit
from platform_app.services.migrations import (
    applied_migrations,
    database_migrate,
    latest_per_app,
    pending_for,
)
from platform_app.services.plan_periods import plan_period_start

from .archive import BackupError, archive_opened, archive_read, client_errors, table_counts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestoredTenant:
    tenant: Tenant
    database: str
    migrated: list[str]


def _free_db_name(slug: str) -> str:
    base = dbadmin.tenant_db_name(slug)
    with dbadmin.admin_connection() as conn:
        candidate, n = base, 1
        while (
            dbadmin.database_exists(conn, candidate)
            or Tenant.objects.filter(db_name=candidate).exists()
        ):
            n += 1
            candidate = f"{base}_r{n}"
    if len(candidate.encode()) > 63:
        raise BackupError(
            _("database name %(name)s would be longer than 63 bytes") % {"name": candidate}
        )
    return candidate


def _staging_info(db_name: str, host: str = "", port: int | None = None) -> TenantInfo:
    """A pseudo-tenant for the restored database before it is switched in."""
    return TenantInfo(
        id=uuid.uuid4(), slug=f"restore-{uuid.uuid4().hex[:8]}", name="restore", status="restore",
        template="", db_name=db_name, db_host=host, db_port=port, generation=0,
        time_zone="UTC", language="en", currency="PLN", stamp="restore",
    )  # fmt: skip


def _check_target(
    existing: Tenant | None, *, slug: str, target: str, manifest: dict[str, Any], as_new: bool,
    force: bool,
) -> None:  # fmt: skip
    """Refuse a backup that is not of this tenant, or would replace data unasked."""
    if not as_new and manifest["slug"] != slug:
        raise BackupError(
            _("the backup is of %(backup)s, not %(slug)s")
            % {"backup": manifest["slug"], "slug": slug}
        )
    if existing is None:
        return
    if existing.status == Tenant.Status.DELETED:
        if manifest["tenant_id"] != str(existing.id):
            raise BackupError(
                _(
                    "the address %(slug)s is reserved for a deleted tenant; "
                    "only its own backups can be restored there"
                )
                % {"slug": target}
            )
    elif not force:
        raise BackupError(
            _(
                "tenant %(slug)s exists and is %(status)s; "
                "add --force to replace its data with the backup"
            )
            % {"slug": target, "status": existing.status}
        )
    elif manifest["tenant_id"] != str(existing.id):
        raise BackupError(
            _("the backup is of another tenant (%(backup)s); refusing to replace %(slug)s with it")
            % {"backup": manifest["slug"], "slug": target}
        )


def tenant_restore(
    *, slug: str, backup: str, as_slug: str | None = None, force: bool = False,
    actor: str = "system",
) -> RestoredTenant:  # fmt: skip
    """Restore a backup into a fresh database, migrate and verify it, then switch to it."""
    target = as_slug or slug
    if as_slug:
        try:
            validate_slug_format(as_slug)
        except ValidationError as exc:
            raise BackupError(
                _("--as %(slug)s: %(problems)s")
                % {"slug": as_slug, "problems": " ".join(exc.messages)}
            ) from exc
    existing = Tenant.objects.filter(slug=target).first()
    if as_slug is None and existing is None:
        raise BackupError(
            _("there is no tenant %(slug)s (use --as NEW_SLUG for a new one)") % {"slug": slug}
        )
    with (
        tempfile.TemporaryDirectory(prefix="dockpulse-restore-") as tmp,
        archive_opened(backup) as archive,
    ):
        workdir = Path(tmp)
        manifest = archive_read(archive, workdir)
        _check_target(
            existing, slug=slug, target=target, manifest=manifest, as_new=as_slug is not None,
            force=force,
        )  # fmt: skip
        # On the tenant's own server: the switch changes only the database name.
        host = existing.db_host if existing else ""
        port = existing.db_port if existing else None
        db_name = _free_db_name(target)
        staging = _staging_info(db_name, host, port)
        with dbadmin.admin_connection(host, port) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(db_name))
            )
        switched = False
        try:
            pending = _load_and_verify(staging, workdir / "database.dump", manifest)
            tenant_connections.forget(staging.alias)
            tenant = _switch(existing, target, manifest, db_name, pending, backup, actor)
            switched = True
        finally:
            # Whatever failed, a database a tenant row points at is the tenant's data now:
            # it is never dropped here (the switch may have committed before the error).
            if not switched and not Tenant.objects.filter(db_name=db_name).exists():
                tenant_connections.forget(staging.alias)
                with dbadmin.admin_connection(host, port) as conn:
                    dbadmin.drop_database(conn, db_name)
        with tenant_context(info_from_model(tenant)):
            tenant_files_replace(workdir / "files")
    return RestoredTenant(
        tenant=tenant, database=db_name, migrated=[f"{a}.{n}" for a, n in pending]
    )


def _load_and_verify(
    staging: TenantInfo, dump: Path, manifest: dict[str, Any]
) -> list[tuple[str, str]]:
    """pg_restore the dump into the staging database, check its row counts against the
    manifest and bring it up to the code's migrations; returns the migrations applied."""
    major = pgtools.server_major(staging)
    env, conn_args = pgtools.client_env_and_args(staging)
    with client_errors():
        pgtools.run(
            [pgtools.pg_tool("pg_restore", major), *conn_args, "--no-owner", "--no-privileges",
             "--exit-on-error", "-d", staging.db_name, str(dump)],
            env,
        )  # fmt: skip
    restored_counts = table_counts(staging)
    if restored_counts != manifest["tables"]:
        differing = sorted(
            t for t in set(restored_counts) | set(manifest["tables"])
            if restored_counts.get(t) != manifest["tables"].get(t)
        )  # fmt: skip
        raise BackupError(
            _("restored row counts differ from the backup in %(tables)s")
            % {"tables": ", ".join(differing)}
        )
    pending = pending_for(applied_migrations(staging))
    if pending:
        database_migrate(staging)
        still = pending_for(applied_migrations(staging))
        if still:
            raise BackupError(
                _("migrating the restored database left %(migrations)s pending")
                % {"migrations": ", ".join(f"{a}.{n}" for a, n in still)}
            )
    return pending


def _switch(
    existing: Tenant | None,
    target: str,
    manifest: dict[str, Any],
    db_name: str,
    pending: list[tuple[str, str]],
    backup: str,
    actor: str,
) -> Tenant:
    details = {"backup": backup, "from": manifest["slug"], "database": db_name}
    migrated_to = latest_per_app({(a, n) for a, n in manifest["migrations"]} | set(pending))
    if existing is None:
        plan = Plan.objects.filter(code=manifest.get("plan")).first()
        try:
            with transaction.atomic(using="default"):
                tenant = Tenant.objects.create(
                    slug=target, name=manifest["name"], template=manifest["template"],
                    plan=plan, status=Tenant.Status.ACTIVE, db_name=db_name,
                    language=manifest["language"], time_zone=manifest["time_zone"],
                    currency=manifest["currency"], settings=manifest.get("settings") or {},
                    migrated_to=migrated_to, migration_state=Tenant.MigrationState.MIGRATED,
                    migrated_at=timezone.now(),
                )  # fmt: skip
                # A new tenant is billed from today, as a provisioned one is.
                if plan is not None:
                    plan_period_start(tenant=tenant, plan=plan)
                audit(tenant, "tenant.restored", actor, **details)
                transaction.on_commit(lambda: _publish(tenant), using="default")
        except IntegrityError as exc:
            # Another restore (or a create) took the address since it was checked; the
            # caller drops the staging database.
            raise BackupError(_("The address %(slug)s is taken.") % {"slug": target}) from exc
        return tenant
    # Suspended while switching: every process refuses requests from its next one, then
    # the generation bump makes each drop its connection to the old database.
    with transaction.atomic(using="default"):
        tenant = Tenant.objects.select_for_update().get(pk=existing.pk)
        previous = tenant.status
        tenant.status = Tenant.Status.SUSPENDED
        tenant.save(update_fields=["status", "updated_at"])
    if not _publish(tenant):
        # Nobody was told to stop serving the old database: switching now could let a
        # process write there after the copy was taken. Back to where it was, in words.
        with transaction.atomic(using="default"):
            tenant = Tenant.objects.select_for_update().get(pk=existing.pk)
            tenant.status = previous
            tenant.save(update_fields=["status", "updated_at"])
        raise BackupError(_("could not tell the servers to pause the tenant (is Redis up?)"))
    old_db = tenant.db_name
    try:
        _point_at(existing, db_name, previous, migrated_to, actor, details, old_db)
    except BaseException:
        with transaction.atomic(using="default"):
            tenant = Tenant.objects.select_for_update().get(pk=existing.pk)
            tenant.status = previous
            tenant.save(update_fields=["status", "updated_at"])  # a new stamp
        _publish(tenant)
        raise
    tenant = Tenant.objects.get(pk=existing.pk)
    tenant_connections.forget(f"tenant_{target}")
    if old_db != db_name:
        with dbadmin.admin_connection(tenant.db_host, tenant.db_port) as conn:
            dbadmin.drop_database(conn, old_db)
    return tenant


def _publish(tenant: Tenant) -> bool:
    """Tell every process. A failure (Redis down) is logged and never undoes what has
    committed: the tenant row is the truth, and processes see it at the next publish of
    the tenant (any later change, or asking for its status again). Until then a process
    may still try the old database, which fails closed once it is dropped."""
    try:
        published = publish(tenant)
    except Exception:
        logger.exception("restore: publishing %s failed", tenant.slug)
        return False
    return published


def _point_at(
    existing: Tenant,
    db_name: str,
    previous: str,
    migrated_to: dict[str, str],
    actor: str,
    details: dict[str, Any],
    old_db: str,
) -> None:
    with transaction.atomic(using="default"):
        tenant = Tenant.objects.select_for_update().get(pk=existing.pk)
        tenant.db_name = db_name
        tenant.generation += 1
        back_to = Tenant.Status.ACTIVE if previous == Tenant.Status.DELETED else previous
        tenant.status = back_to
        tenant.migrated_to = migrated_to
        tenant.migration_state = Tenant.MigrationState.MIGRATED
        tenant.migrated_at = timezone.now()
        tenant.save()
        audit(tenant, "tenant.restored", actor, previous_database=old_db, **details)
        transaction.on_commit(lambda: _publish(tenant), using="default")
