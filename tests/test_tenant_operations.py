"""Operating tenants: backup and restore, delete and purge, suspend and resume, commands."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from psycopg import sql

from dockpulse.tenancy import dbadmin, tenant_context
from dockpulse.tenancy.registry import registry
from platform_app.models import Tenant, TenantAuditLog
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.models import TenantModule
from tests.support import database_exists, destroy_tenant, run_manage


def db_connect(db_name: str) -> psycopg.Connection:
    params = dbadmin.connection_params()
    params["dbname"] = db_name
    return psycopg.connect(**params, autocommit=True)


def table_fingerprints(db_name: str) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of the full content of every table."""
    result = {}
    with db_connect(db_name) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )]  # fmt: skip
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
                "FROM {} t"
            ).format(sql.Identifier(table))
            count, digest = conn.execute(query).fetchone()  # type: ignore[misc]
            result[table] = (count, digest)
    return result


def backup_location(output: str) -> str:
    match = re.search(r"^location: (\S+)$", output, re.M)
    assert match, output
    return match.group(1)


def test_backup_and_restore_as_a_new_tenant_round_trip(make_tenant):
    original = make_tenant(name="Round Trip")
    with tenant_context(original):
        for i in range(3):
            user_create(email=f"u{i}@example.com", name=f"User {i}", password="Round-Trip-123")
        default_storage.save("docs/contract.txt", ContentFile(b"signed"))
    backed_up = table_fingerprints(original.db_name)

    result = run_manage("backup_tenant", original.slug)
    assert result.returncode == 0, result.stderr
    location = backup_location(result.stdout)
    size = int(re.search(r"^size: (\d+) bytes$", result.stdout, re.M).group(1))  # type: ignore[union-attr]
    assert re.search(r"^sha256: [0-9a-f]{64}$", result.stdout, re.M)
    archive = Path(settings.BACKUP_ROOT) / location
    assert archive.stat().st_size == size

    # The original moves on after the backup.
    with tenant_context(original):
        User.objects.filter(email="u0@example.com").delete()
        user_create(email="late@example.com", name="Late", password="Round-Trip-123")
        default_storage.save("docs/later.txt", ContentFile(b"later"))
    changed = table_fingerprints(original.db_name)

    copy_slug = f"{original.slug}-copy"
    try:
        result = run_manage("restore_tenant", original.slug, location, "--as", copy_slug)
        assert result.returncode == 0, result.stderr
        copy = Tenant.objects.get(slug=copy_slug)
        assert copy.status == "active" and copy.name == "Round Trip"
        assert copy.id != original.id
        assert table_fingerprints(copy.db_name) == backed_up
        assert table_fingerprints(original.db_name) == changed  # untouched
        copy_info = registry.get(copy_slug)
        assert copy_info is not None
        with tenant_context(copy_info):
            assert default_storage.open("docs/contract.txt").read() == b"signed"
            assert not default_storage.exists("docs/later.txt")
            assert User.objects.filter(email="u0@example.com").exists()
        assert TenantAuditLog.objects.filter(tenant=copy, action="tenant.restored").exists()
    finally:
        destroy_tenant(copy_slug)


def test_restore_over_the_same_tenant_needs_force_and_switches_databases(make_tenant, http_server):
    tenant = make_tenant()
    with tenant_context(tenant):
        user_create(email="keep@example.com", name="Keep", password="Restore-Pass-123")
    location = backup_location(run_manage("backup_tenant", tenant.slug).stdout)
    with tenant_context(tenant):
        User.objects.filter(email="keep@example.com").delete()
    # The server has a connection to the old database open.
    assert http_server.get(f"{tenant.slug}.localhost", "/login/")[0] == 200

    refused = run_manage("restore_tenant", tenant.slug, location)
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0
    assert "add --force" in refused.stderr

    result = run_manage("restore_tenant", tenant.slug, location, "--force")
    assert result.returncode == 0, result.stderr
    row = Tenant.objects.get(slug=tenant.slug)
    assert row.generation == tenant.generation + 1
    assert row.db_name != tenant.db_name
    assert not database_exists(tenant.db_name)  # the old one is gone
    info = registry.get(tenant.slug)
    assert info is not None and info.status == "active"
    with tenant_context(info):
        assert User.objects.filter(email="keep@example.com").exists()
    # The running server switched to the restored database without a restart.
    assert http_server.get(f"{tenant.slug}.localhost", "/login/")[0] == 200


def test_restore_applies_migrations_a_backup_is_missing(make_tenant):
    tenant = make_tenant()
    with db_connect(tenant.db_name) as conn:  # make the backup look older than the code
        conn.execute("DROP TABLE field_configs")
        conn.execute("DROP TABLE company_profile")
        conn.execute("DELETE FROM django_migrations WHERE app = 'configuration'")
        conn.execute("DROP TABLE tenant_modules")
    location = backup_location(run_manage("backup_tenant", tenant.slug).stdout)
    copy_slug = f"{tenant.slug}-new"
    try:
        result = run_manage("restore_tenant", tenant.slug, location, "--as", copy_slug)
        assert result.returncode == 0, result.stderr
        assert "migrated 2" in result.stdout  # configuration 0001 and 0002
        copy = registry.get(copy_slug)
        assert copy is not None
        with tenant_context(copy):
            assert TenantModule.objects.count() == 0  # the table is back, empty
    finally:
        destroy_tenant(copy_slug)


def test_delete_tenant(make_tenant, http_server):
    tenant = make_tenant()
    with tenant_context(tenant):
        default_storage.save("a.txt", ContentFile(b"x"))
    files = Path(settings.MEDIA_ROOT) / "tenants" / tenant.slug
    assert files.exists()
    host = f"{tenant.slug}.localhost"
    assert http_server.get(host, "/login/")[0] == 200

    result = run_manage("delete_tenant", tenant.slug, "--yes")
    assert result.returncode == 0, result.stderr
    assert not database_exists(tenant.db_name)
    assert not files.exists()
    assert http_server.get(host, "/login/")[0] == 404
    row = Tenant.objects.get(slug=tenant.slug)
    assert row.status == "deleted"
    entry = TenantAuditLog.objects.get(tenant=row, action="tenant.deleted")
    assert entry.actor == "cli"
    backup = Path(settings.BACKUP_ROOT) / entry.details["backup"]
    assert backup.is_file()
    with tarfile.open(backup) as tar:
        assert {"manifest.json", "database.dump", "files/a.txt"} <= set(tar.getnames())

    taken = run_manage(
        "create_tenant",
        tenant.slug,
        "--name",
        "X",
        "--template",
        "trade",
        "--admin-email",
        "x@x.pl",
    )
    assert taken.returncode == 2 and "deleted tenant" in taken.stderr

    purged = run_manage("delete_tenant", tenant.slug, "--purge", "--yes")
    assert purged.returncode == 0, purged.stderr
    assert not backup.exists()
    assert not Tenant.objects.filter(slug=tenant.slug).exists()
    assert TenantAuditLog.objects.filter(tenant_slug=tenant.slug, action="tenant.purged").exists()
    again = run_manage(
        "create_tenant", tenant.slug, "--name", "X", "--template", "trade", "--admin-email",
        "x@x.pl", "--admin-password", "Fresh-Start-123",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr


def test_delete_without_backup_and_without_yes(make_tenant):
    tenant = make_tenant()
    unconfirmed = run_manage("delete_tenant", tenant.slug)
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert database_exists(tenant.db_name)

    result = run_manage("delete_tenant", tenant.slug, "--no-backup", "--yes")
    assert result.returncode == 0, result.stderr
    assert "No backup was made." in result.stdout
    entry = TenantAuditLog.objects.get(tenant_slug=tenant.slug, action="tenant.deleted")
    assert entry.details["backup"] is None
    assert not (Path(settings.BACKUP_ROOT) / tenant.slug).exists()


def test_suspend_and_resume_seen_by_two_server_processes(
    make_tenant, http_server, second_http_server
):
    tenant = make_tenant(name="Two Servers")
    host = f"{tenant.slug}.localhost"
    for server in (http_server, second_http_server):
        assert server.get(host, "/login/")[0] == 200  # both have it cached now

    result = run_manage("suspend_tenant", tenant.slug, "--reason", "unpaid")
    assert result.returncode == 0, result.stderr
    # Asking again is harmless: it publishes the state once more (a lost publish heals).
    assert run_manage("suspend_tenant", tenant.slug).returncode == 0
    for server in (http_server, second_http_server):
        status, body = server.get(host, "/login/")
        assert status == 403 and "Account suspended" in body
    assert Tenant.objects.get(slug=tenant.slug).status_reason == "unpaid"

    result = run_manage("resume_tenant", tenant.slug)
    assert result.returncode == 0, result.stderr
    for server in (http_server, second_http_server):
        assert server.get(host, "/login/")[0] == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("backup_tenant", "no-such-tenant"), "There is no tenant no-such-tenant."),
        (("suspend_tenant", "no-such-tenant"), "There is no tenant no-such-tenant."),
        (("delete_tenant", "tenant-a"), "refusing to delete without --yes"),
        (("delete_tenant", "no-such-tenant", "--yes"), "There is no tenant no-such-tenant."),
        (("restore_tenant", "tenant-a", "/nonexistent/backup.tar"), "no backup at"),
        (("restore_tenant", "tenant-a", "tenant-a/nothing.tar"), "no backup at"),
        (("tenant_command", "no-such-tenant", "check"), "no active or suspended tenant"),
        (("tenant_command", "tenant-a", "no_such_command"), "unknown command no_such_command"),
        (("migrate_tenants", "--tenant", "no-such-tenant"), "no active or suspended tenant"),
    ],
)
def test_bad_input_exits_2_with_one_line(committed, args, message):
    before = list(Tenant.objects.values_list("slug", "status", "generation", "db_name"))
    result = run_manage(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert list(Tenant.objects.values_list("slug", "status", "generation", "db_name")) == before


def test_corrupt_backup_is_refused(committed, tmp_path):
    not_tar = tmp_path / "junk.tar"
    not_tar.write_bytes(b"this is not an archive")
    result = run_manage("restore_tenant", "tenant-a", str(not_tar), "--as", "from-junk")
    assert result.returncode == 2 and "not a readable backup archive" in result.stderr

    good = backup_location(run_manage("backup_tenant", "tenant-a").stdout)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(Path(settings.BACKUP_ROOT) / good) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "database.dump":
                data = data[:-100] + b"\0" * 100
            dst.addfile(member, fileobj=__import__("io").BytesIO(data))
    result = run_manage("restore_tenant", "tenant-a", str(damaged), "--as", "from-damaged")
    assert result.returncode == 2
    assert "corrupt: its database dump fails its checksum" in result.stderr
    assert not Tenant.objects.filter(slug__in=["from-junk", "from-damaged"]).exists()
    with dbadmin.admin_connection() as conn:
        assert not any(
            "from-" in n for n in dbadmin.list_databases(conn, settings.TENANT_DB_PREFIX)
        )


def test_backup_tenants_all_keeps_the_newest(make_tenant):
    tenant = make_tenant()
    # --all backs up the shared tenants too: what it leaves of theirs is removed after.
    audited_before = set(TenantAuditLog.objects.values_list("pk", flat=True))
    shared = {slug: _backups(slug) for slug in ("tenant-a", "tenant-b")}
    try:
        for _ in range(3):
            result = run_manage("backup_tenants", "--all", "--keep", "2", "--parallel", "2")
            assert result.returncode == 0, result.stderr
            assert f"{tenant.slug}: " in result.stdout
        kept = sorted((Path(settings.BACKUP_ROOT) / tenant.slug).glob("*.tar"))
        assert len(kept) == 2
        assert "(removed 1 old)" in result.stdout
    finally:
        TenantAuditLog.objects.filter(tenant_slug__in=shared).exclude(
            pk__in=audited_before
        ).delete()
        for slug, before in shared.items():
            for path in _backups(slug) - before:
                path.unlink()


def _backups(slug: str) -> set[Path]:
    return set((Path(settings.BACKUP_ROOT) / slug).glob("*.tar"))


def test_tenant_command_runs_in_the_tenant(make_tenant):
    tenant = make_tenant()
    with tenant_context(tenant):
        user_create(email="extra@example.com", name="Extra", password="Extra-Pass-123")
    script = (
        "from tenant_apps.accounts.models import User; "
        "print(sorted(User.objects.values_list('email', flat=True)))"
    )
    result = run_manage("tenant_command", tenant.slug, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    assert "['extra@example.com', 'owner@example.com']" in result.stdout

    # --database is filled in with the tenant's: dumpdata reads the tenant's modules.
    dump = run_manage("tenant_command", tenant.slug, "dumpdata", "configuration.tenantmodule")
    assert dump.returncode == 0, dump.stderr
    assert '"module_code": "@stock"' in dump.stdout


def test_all_tenants_command_reports_per_tenant(make_tenant):
    tenant = make_tenant()
    script = (
        "from dockpulse.tenancy import get_current_tenant; print('I am', get_current_tenant().slug)"
    )
    result = run_manage("all_tenants_command", "--parallel", "3", "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    for slug in ("tenant-a", "tenant-b", tenant.slug):
        assert f"== {slug}: ok" in result.stdout
        assert f"I am {slug}" in result.stdout


def test_a_failed_publish_after_the_switch_never_drops_the_restored_database(
    make_tenant, monkeypatch
):
    """Issue 18 (6): telling the other processes failed after the switch committed; the
    database the tenant row now points at must stay, with the restored data in it."""
    from dockpulse.tenancy import platform_context
    from platform_app.services.backups import restore

    tenant = make_tenant()
    with tenant_context(tenant):
        user_create(email="keep@example.com", name="Keep", password="Restore-Pass-123")
    location = backup_location(run_manage("backup_tenant", tenant.slug).stdout)
    real_publish = restore.publish
    calls: list[str] = []

    def flaky_publish(row: Tenant) -> bool:
        calls.append(row.status)
        if len(calls) == 2:  # the first tells everyone to pause; the second one fails
            raise ConnectionError("Redis is down")
        return real_publish(row)

    monkeypatch.setattr(restore, "publish", flaky_publish)
    with platform_context():
        restored = restore.tenant_restore(slug=tenant.slug, backup=location, force=True)
    row = Tenant.objects.get(slug=tenant.slug)
    assert row.db_name == restored.database != tenant.db_name
    assert row.status == "active"
    assert database_exists(row.db_name), "the restored database was dropped"
    assert not database_exists(tenant.db_name)
    monkeypatch.setattr(restore, "publish", real_publish)
    real_publish(row)  # the next publish heals the other processes
    info = registry.get(tenant.slug)
    assert info is not None
    with tenant_context(info):
        assert User.objects.filter(email="keep@example.com").exists()


def test_a_restore_that_cannot_pause_the_tenant_changes_nothing(make_tenant, monkeypatch):
    from dockpulse.tenancy import platform_context
    from platform_app.services.backups import archive, restore

    tenant = make_tenant()
    location = backup_location(run_manage("backup_tenant", tenant.slug).stdout)

    def down(row: Tenant) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(restore, "publish", down)
    with platform_context(), pytest.raises(archive.BackupError, match="pause the tenant"):
        restore.tenant_restore(slug=tenant.slug, backup=location, force=True)
    row = Tenant.objects.get(slug=tenant.slug)
    assert (row.db_name, row.status) == (tenant.db_name, "active")
    assert database_exists(row.db_name)
    leftovers = [name for name in _databases() if name.startswith(f"{tenant.db_name}_r")]
    assert leftovers == [], leftovers


def _databases() -> list[str]:
    with db_connect("postgres") as conn:
        return [r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()]


def test_a_delete_while_redis_is_down_refuses_and_changes_nothing(make_tenant):
    """Other processes cannot be told to stop serving the tenant, so one of them could
    write after the backup began: the delete is refused and the tenant stays as it was."""
    from copy import deepcopy

    from django.core.exceptions import ValidationError
    from django.test import override_settings

    from dockpulse.tenancy import platform_context
    from platform_app.services import tenant_delete

    tenant = make_tenant()
    caches = deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:1/0"  # nothing listens there
    refused = pytest.raises(ValidationError, match="is Redis up")
    with override_settings(CACHES=caches), platform_context(), refused:
        tenant_delete(slug=tenant.slug, backup=True, actor="test")
    row = Tenant.objects.get(slug=tenant.slug)
    assert row.status == "active"
    assert database_exists(row.db_name)
    info = registry.get(tenant.slug)
    assert info is not None and info.is_active  # served again, now that Redis answers
