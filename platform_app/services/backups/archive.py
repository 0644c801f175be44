"""The backup archive: its format, where archives are kept, reading and checking one."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from django.core.files.storage import Storage, default_storage, storages
from django.utils.translation import gettext as _
from psycopg import sql

from dockpulse.tenancy import dbadmin
from dockpulse.tenancy.info import TenantInfo
from dockpulse.tenancy.pgtools import PgToolError
from dockpulse.tenancy.storage import tenant_files

FORMAT = 1


class BackupError(Exception):
    """A backup or restore could not be made; nothing was changed."""


@contextlib.contextmanager
def client_errors() -> Iterator[None]:
    """pg_dump / pg_restore failures as BackupErrors, the one error the callers handle."""
    try:
        yield
    except PgToolError as exc:
        raise BackupError(str(exc)) from exc


# --- where archives are kept -------------------------------------------------------------


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


def backups_prune(slug: str, keep: int) -> list[str]:
    """Remove all but the newest `keep` backups of the tenant; returns what was removed."""
    names = backup_list(slug)
    doomed = names[: max(0, len(names) - keep)]
    for name in doomed:
        backup_remove(name)
    return doomed


# --- what an archive holds ---------------------------------------------------------------


def table_counts(info: TenantInfo, conn: psycopg.Connection | None = None) -> dict[str, int]:
    """Row counts of every table (in `conn`'s snapshot when given)."""
    if conn is None:
        params = dbadmin.connection_params(info.db_host, info.db_port)
        params["dbname"] = info.db_name
        with psycopg.connect(**params) as own:
            return table_counts(info, own)
    counts = {}
    tables = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    for (table,) in tables:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        row = conn.execute(query).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive_write(archive: Path, *, manifest: dict[str, Any], dump: Path) -> None:
    """The manifest, the dump and the current context's tenant files, in one tar."""
    with tarfile.open(archive, "w") as tar:
        data = json.dumps(manifest, indent=2).encode()
        entry = tarfile.TarInfo("manifest.json")
        entry.size = len(data)
        tar.addfile(entry, io.BytesIO(data))
        tar.add(dump, arcname="database.dump")
        for name in tenant_files():
            with default_storage.open(name, "rb") as handle:
                content = handle.read()
            entry = tarfile.TarInfo(f"files/{name}")
            entry.size = len(content)
            tar.addfile(entry, io.BytesIO(content))


@contextlib.contextmanager
def archive_opened(backup: str) -> Iterator[Path]:
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
        raise BackupError(_("no backup at %(backup)s") % {"backup": backup})
    with tempfile.NamedTemporaryFile(suffix=".tar") as tmp:
        with storage.open(backup, "rb") as handle:
            shutil.copyfileobj(handle, tmp)
        tmp.flush()
        yield Path(tmp.name)


def archive_read(path: Path, workdir: Path) -> dict[str, Any]:
    """Unpack and verify; a BackupError names what is wrong with the file."""
    try:
        with tarfile.open(path, "r") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if "manifest.json" not in members or "database.dump" not in members:
                raise BackupError(
                    _("%(name)s is not a DockPulse backup (no manifest or dump)")
                    % {"name": path.name}
                )
            tar.extractall(workdir, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(
            _("%(name)s is not a readable backup archive (%(error)s)")
            % {"name": path.name, "error": exc}
        ) from exc
    try:
        manifest: dict[str, Any] = json.loads((workdir / "manifest.json").read_text())
    except ValueError as exc:
        raise BackupError(_("%(name)s has a damaged manifest") % {"name": path.name}) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(name)s has unknown format %(format)r")
            % {"name": path.name, "format": manifest.get("format")}
        )
    if sha256(workdir / "database.dump") != manifest.get("database_sha256"):
        raise BackupError(
            _("%(name)s is corrupt: its database dump fails its checksum") % {"name": path.name}
        )
    return manifest
