"""Backups and restores of one tenant: its database (pg_dump, custom format) and its files.

A backup is one tar archive: `manifest.json` (who, when, the migrations applied, the row
count of every table, the SHA-256 of the dump), `database.dump` and `files/...`. Archives
go to the `backups` storage (`var/backups/` by default, the S3 bucket when configured) as
`<slug>/<slug>-<UTC time>.tar`.

pg_dump and pg_restore must match the server's major version (the embedded server is
PostgreSQL 16, Debian's is 15): they are looked up per server, never taken blindly from PATH.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import io
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, default_storage, storages
from django.db import transaction
from django.utils import timezone
from psycopg import sql

from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy import dbadmin, tenant_context
from dockpulse.tenancy.info import TenantInfo
from dockpulse.tenancy.registry import info_from_model, registry
from dockpulse.tenancy.validation import validate_slug_format
from platform_app.models import Plan, Tenant

from .lifecycle import audit, tenant_get
from .migrations import _django_migrate, applied_migrations, latest_per_app, pending_for

logger = logging.getLogger(__name__)

FORMAT = 1


class BackupError(Exception):
    """A backup or restore could not be made; nothing was changed."""


# --- PostgreSQL client tools ------------------------------------------------------------


def _server_major(info: TenantInfo) -> int:
    with dbadmin.admin_connection(info.db_host, info.db_port) as conn:
        return int(conn.info.server_version) // 10000


def _tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # "pg_dump (PostgreSQL) 16.2"
    version = out.strip().rsplit(" ", 1)[-1]
    return int(version.split(".")[0]) if version[:1].isdigit() else None


def _tool_dirs(major: int) -> list[Path]:
    dirs = []
    if settings.PG_BIN_DIR:
        dirs.append(Path(settings.PG_BIN_DIR))
    # The embedded server's package bundles PostgreSQL 16's client tools; found without
    # importing it (its import is slow and noisy).
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent / "pginstall" / "bin")
    dirs.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    dirs.extend(Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p)
    return dirs


@functools.cache
def pg_tool(name: str, major: int) -> str:
    """The path of `name` (pg_dump, pg_restore) for a PostgreSQL `major` server."""
    newer: list[tuple[int, Path]] = []
    for directory in _tool_dirs(major):
        path = directory / name
        if not os.access(path, os.X_OK):
            continue
        found = _tool_major(path)
        if found == major:
            return str(path)
        if found is not None and found > major:
            newer.append((found, path))
    if newer:  # a newer client reads older servers; the closest one is the safest
        return str(min(newer)[1])
    raise BackupError(
        f"no {name} for PostgreSQL {major}: install postgresql-client-{major} "
        "or set PG_BIN_DIR to the folder that has it"
    )


def _pg_env_and_args(info: TenantInfo) -> tuple[dict[str, str], list[str]]:
    params = dbadmin.connection_params(info.db_host, info.db_port)
    env = dict(os.environ)
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    args = []
    if params.get("host"):
        args += ["-h", str(params["host"])]
    if params.get("port"):
        args += ["-p", str(params["port"])]
    if params.get("user"):
        args += ["-U", str(params["user"])]
    return env, args


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise BackupError(f"{Path(cmd[0]).name}: {last}")


# --- storage --------------------------------------------------------------------------


def backup_storage() -> Storage:
    return storages["backups"]


def backup_list(slug: str) -> list[str]:
    """The tenant's backups in the backups storage, oldest first."""
    # No exists() on a folder: S3 has no folders, and its exists() would say False.
    try:
        _, files = backup_storage().listdir(slug)
    except FileNotFoundError:
        return []
    return sorted(f"{slug}/{name}" for name in files if name.endswith(".tar"))


def backup_remove(name: str) -> None:
    backup_storage().delete(name)


def _walk(storage: Storage, path: str = "") -> Iterator[str]:
    # listdir only: S3's exists() is False for every "folder".
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from _walk(storage, f"{path}/{directory}" if path else directory)


def tenant_files_delete() -> int:
    """Remove every stored file of the current context's tenant; returns how many."""
    names = list(_walk(default_storage))
    for name in names:
        default_storage.delete(name)
    with contextlib.suppress(NotImplementedError, OSError):
        root = Path(default_storage.path(""))
        if root.exists():
            shutil.rmtree(root)
    return len(names)


# --- backup ---------------------------------------------------------------------------


def _table_counts(info: TenantInfo, conn: psycopg.Connection | None = None) -> dict[str, int]:
    """Row counts of every table (in `conn`'s snapshot when given)."""
    if conn is None:
        params = dbadmin.connection_params(info.db_host, info.db_port)
        params["dbname"] = info.db_name
        with psycopg.connect(**params) as own:
            return _table_counts(info, own)
    counts = {}
    tables = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    for (table,) in tables:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        row = conn.execute(query).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Backup:
    location: str  # a path on disk (--output) or a name in the backups storage
    size: int
    sha256: str


def tenant_backup(*, slug: str, output: str | None = None) -> Backup:
    """Dump the tenant's database and files into one archive; print-worthy facts back."""
    tenant = tenant_get(slug)
    if tenant.status in (Tenant.Status.DELETED, Tenant.Status.PROVISIONING):
        raise BackupError(f"tenant {slug} is {tenant.status}: there is nothing to back up")
    info = info_from_model(tenant)
    major = _server_major(info)
    env, conn_args = _pg_env_and_args(info)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    params = dbadmin.connection_params(info.db_host, info.db_port)
    params["dbname"] = info.db_name
    with (
        tempfile.TemporaryDirectory(prefix="dockpulse-backup-") as tmp,
        psycopg.connect(**params) as snap,
    ):
        dump = Path(tmp) / "database.dump"
        # One snapshot for the counts and the dump: writes in between (a login, an event)
        # cannot make the manifest disagree with the dump.
        snap.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = snap.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        counts = _table_counts(info, snap)
        _run(
            [pg_tool("pg_dump", major), *conn_args, "-Fc", "--no-owner", f"--snapshot={row[0]}",
             "-f", str(dump), "-d", info.db_name],
            env,
        )  # fmt: skip
        manifest = {
            "format": FORMAT,
            "slug": tenant.slug,
            "tenant_id": str(tenant.id),
            "name": tenant.name,
            "template": tenant.template,
            "plan": tenant.plan.code if tenant.plan else None,
            "language": tenant.language,
            "time_zone": tenant.time_zone,
            "currency": tenant.currency,
            "settings": tenant.settings,
            "created_at": timezone.now().isoformat(),
            "server_major": major,
            "migrations": sorted(applied_migrations(info)),
            "tables": counts,
            "database_sha256": _sha256(dump),
        }
        archive = Path(tmp) / f"{slug}-{stamp}.tar"
        with tarfile.open(archive, "w") as tar:
            data = json.dumps(manifest, indent=2).encode()
            entry = tarfile.TarInfo("manifest.json")
            entry.size = len(data)
            tar.addfile(entry, io.BytesIO(data))
            tar.add(dump, arcname="database.dump")
            with tenant_context(info):
                for name in _walk(default_storage):
                    with default_storage.open(name, "rb") as handle:
                        content = handle.read()
                    entry = tarfile.TarInfo(f"files/{name}")
                    entry.size = len(content)
                    tar.addfile(entry, io.BytesIO(content))
        checksum = _sha256(archive)
        size = archive.stat().st_size
        if output:
            target = Path(output)
            if target.is_dir():
                target = target / archive.name
            shutil.copyfile(archive, target)
            target.chmod(0o600)  # it holds password hashes
            location = str(target.resolve())
        else:
            with archive.open("rb") as handle:
                location = backup_storage().save(f"{slug}/{archive.name}", File(handle))
    audit(tenant, "tenant.backed_up", "system", location=location, sha256=checksum, size=size)
    return Backup(location=location, size=size, sha256=checksum)


def backups_prune(slug: str, keep: int) -> list[str]:
    """Remove all but the newest `keep` backups of the tenant; returns what was removed."""
    names = backup_list(slug)
    doomed = names[: max(0, len(names) - keep)]
    for name in doomed:
        backup_remove(name)
    return doomed


# --- restore --------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoredTenant:
    tenant: Tenant
    database: str
    migrated: list[str]


@contextlib.contextmanager
def _opened_backup(backup: str) -> Iterator[Path]:
    """A local path of the archive: the file itself or a download from the storage."""
    path = Path(backup)
    if path.is_file():
        yield path
        return
    storage = backup_storage()
    try:
        exists = storage.exists(backup)
    except Exception:  # a name the storage cannot even look up
        exists = False
    if not exists:
        raise BackupError(f"no backup at {backup}")
    with tempfile.NamedTemporaryFile(suffix=".tar") as tmp:
        with storage.open(backup, "rb") as handle:
            shutil.copyfileobj(handle, tmp)
        tmp.flush()
        yield Path(tmp.name)


def _read_archive(path: Path, workdir: Path) -> dict[str, Any]:
    """Unpack and verify; a BackupError names what is wrong with the file."""
    try:
        with tarfile.open(path, "r") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if "manifest.json" not in members or "database.dump" not in members:
                raise BackupError(f"{path.name} is not a DockPulse backup (no manifest or dump)")
            tar.extractall(workdir, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{path.name} is not a readable backup archive ({exc})") from exc
    try:
        manifest: dict[str, Any] = json.loads((workdir / "manifest.json").read_text())
    except ValueError as exc:
        raise BackupError(f"{path.name} has a damaged manifest") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path.name} has unknown format {manifest.get('format')!r}")
    if _sha256(workdir / "database.dump") != manifest.get("database_sha256"):
        raise BackupError(f"{path.name} is corrupt: its database dump fails its checksum")
    return manifest


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
        raise BackupError(f"database name {candidate} would be longer than 63 bytes")
    return candidate


def _staging_info(db_name: str, host: str = "", port: int | None = None) -> TenantInfo:
    """A pseudo-tenant for the restored database before it is switched in."""
    return TenantInfo(
        id=uuid.uuid4(), slug=f"restore-{uuid.uuid4().hex[:8]}", name="restore", status="restore",
        template="", db_name=db_name, db_host=host, db_port=port, generation=0,
        time_zone="UTC", language="en", currency="PLN", stamp="restore",
    )  # fmt: skip


def _replace_files(files_root: Path) -> None:
    """The current tenant's files become the backup's: each replaced, then the rest removed
    (never all removed first, so a failure half-way loses nothing the backup lacks)."""
    kept: set[str] = set()
    if files_root.is_dir():
        for path in sorted(p for p in files_root.rglob("*") if p.is_file()):
            name = path.relative_to(files_root).as_posix()
            if default_storage.exists(name):
                default_storage.delete(name)
            with path.open("rb") as handle:
                kept.add(default_storage.save(name, File(handle)))
    for name in list(_walk(default_storage)):
        if name not in kept:
            default_storage.delete(name)


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
            raise BackupError(f"--as {as_slug}: {' '.join(exc.messages)}") from exc
    existing = Tenant.objects.filter(slug=target).first()
    if as_slug is None and existing is None:
        raise BackupError(f"there is no tenant {slug} (use --as NEW_SLUG for a new one)")
    with (
        tempfile.TemporaryDirectory(prefix="dockpulse-restore-") as tmp,
        _opened_backup(backup) as archive,
    ):
        workdir = Path(tmp)
        manifest = _read_archive(archive, workdir)
        if as_slug is None and manifest["slug"] != slug:
            raise BackupError(f"the backup is of {manifest['slug']}, not {slug}")
        if existing is not None:
            if existing.status == Tenant.Status.DELETED:
                if manifest["tenant_id"] != str(existing.id):
                    raise BackupError(
                        f"the address {target} is reserved for a deleted tenant; "
                        "only its own backups can be restored there"
                    )
            elif not force:
                raise BackupError(
                    f"tenant {target} exists and is {existing.status}; "
                    "add --force to replace its data with the backup"
                )
            elif manifest["tenant_id"] != str(existing.id):
                raise BackupError(
                    f"the backup is of another tenant ({manifest['slug']}); "
                    f"refusing to replace {target} with it"
                )
        # On the tenant's own server: the switch changes only the database name.
        host = existing.db_host if existing else ""
        port = existing.db_port if existing else None
        db_name = _free_db_name(target)
        staging = _staging_info(db_name, host, port)
        major = _server_major(staging)
        env, conn_args = _pg_env_and_args(staging)
        with dbadmin.admin_connection(host, port) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(db_name))
            )
        switched = False
        try:
            _run(
                [pg_tool("pg_restore", major), *conn_args, "--no-owner", "--no-privileges",
                 "--exit-on-error", "-d", db_name, str(workdir / "database.dump")],
                env,
            )  # fmt: skip
            restored_counts = _table_counts(staging)
            if restored_counts != manifest["tables"]:
                differing = sorted(
                    t for t in set(restored_counts) | set(manifest["tables"])
                    if restored_counts.get(t) != manifest["tables"].get(t)
                )  # fmt: skip
                raise BackupError(f"restored row counts differ from the backup in {differing}")
            pending = pending_for(applied_migrations(staging))
            if pending:
                _django_migrate(staging)
                still = pending_for(applied_migrations(staging))
                if still:
                    raise BackupError(f"migrating the restored database left {still} pending")
            tenant_connections.forget(staging.alias)
            tenant = _switch(existing, target, manifest, db_name, pending, backup, actor)
            switched = True
        finally:
            if not switched:
                tenant_connections.forget(staging.alias)
                with dbadmin.admin_connection(host, port) as conn:
                    dbadmin.drop_database(conn, db_name)
        with tenant_context(info_from_model(tenant)):
            _replace_files(workdir / "files")
    return RestoredTenant(
        tenant=tenant, database=db_name, migrated=[f"{a}.{n}" for a, n in pending]
    )


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
        with transaction.atomic(using="default"):
            tenant = Tenant.objects.create(
                slug=target, name=manifest["name"], template=manifest["template"], plan=plan,
                status=Tenant.Status.ACTIVE, db_name=db_name, language=manifest["language"],
                time_zone=manifest["time_zone"], currency=manifest["currency"],
                settings=manifest.get("settings") or {}, migrated_to=migrated_to,
                migration_state=Tenant.MigrationState.MIGRATED, migrated_at=timezone.now(),
            )  # fmt: skip
            audit(tenant, "tenant.restored", actor, **details)
            transaction.on_commit(lambda: registry.publish(tenant), using="default")
        return tenant
    # Suspended while switching: every process refuses requests from its next one, then
    # the generation bump makes each drop its connection to the old database.
    with transaction.atomic(using="default"):
        tenant = Tenant.objects.select_for_update().get(pk=existing.pk)
        previous = tenant.status
        tenant.status = Tenant.Status.SUSPENDED
        tenant.save(update_fields=["status", "updated_at"])
    registry.publish(tenant)
    old_db = tenant.db_name
    try:
        _point_at(existing, db_name, previous, migrated_to, actor, details, old_db)
    except BaseException:
        with transaction.atomic(using="default"):
            tenant = Tenant.objects.select_for_update().get(pk=existing.pk)
            tenant.status = previous
            tenant.save(update_fields=["status", "updated_at"])  # a new stamp
        registry.publish(tenant)
        raise
    tenant = Tenant.objects.get(pk=existing.pk)
    tenant_connections.forget(f"tenant_{target}")
    if old_db != db_name:
        with dbadmin.admin_connection(tenant.db_host, tenant.db_port) as conn:
            dbadmin.drop_database(conn, old_db)
    return tenant


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
        transaction.on_commit(lambda: registry.publish(tenant), using="default")
