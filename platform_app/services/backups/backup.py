"""Making a backup of one tenant."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _

from dockpulse.tenancy import dbadmin, pgtools, tenant_context
from platform_app.directory import info_from_model
from platform_app.models import Tenant
from platform_app.selectors import tenant_get
from platform_app.services.audit import audit
from platform_app.services.migrations import applied_migrations

from .archive import (
    FORMAT,
    BackupError,
    archive_write,
    backup_storage,
    client_errors,
    sha256,
    table_counts,
)


@dataclass(frozen=True)
class Backup:
    location: str  # a path on disk (--output) or a name in the backups storage
    size: int
    sha256: str


def tenant_backup(*, slug: str, output: str | None = None) -> Backup:
    """Dump the tenant's database and files into one archive; print-worthy facts back."""
    tenant = tenant_get(slug)
    if tenant.status in (Tenant.Status.DELETED, Tenant.Status.PROVISIONING):
        raise BackupError(
            _("tenant %(slug)s is %(status)s: there is nothing to back up")
            % {"slug": slug, "status": tenant.status}
        )
    info = info_from_model(tenant)
    major = pgtools.server_major(info)
    env, conn_args = pgtools.client_env_and_args(info)
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
        counts = table_counts(info, snap)
        with client_errors():
            pgtools.run(
                [pgtools.pg_tool("pg_dump", major), *conn_args, "-Fc", "--no-owner",
                 f"--snapshot={row[0]}", "-f", str(dump), "-d", info.db_name],
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
            "database_sha256": sha256(dump),
        }
        archive = Path(tmp) / f"{slug}-{stamp}.tar"
        with tenant_context(info):
            archive_write(archive, manifest=manifest, dump=dump)
        checksum = sha256(archive)
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
