"""migrate_tenants: the template first, then every tenant, recording each one's state."""

from __future__ import annotations

from conftest import run_manage
from dockpulse.tenancy import dbadmin
from platform_app.models import Tenant


def test_migrate_tenants_records_state_and_continues_past_a_broken_tenant(make_tenant):
    healthy = make_tenant()
    broken = make_tenant()
    Tenant.objects.filter(slug__in=[healthy.slug, broken.slug]).update(
        migration_state=Tenant.MigrationState.PENDING
    )
    # Break one tenant: its database vanishes behind its row.
    with dbadmin.admin_connection() as conn:
        dbadmin.drop_database(conn, broken.db_name)

    result = run_manage("migrate_tenants", "--tenant", healthy.slug, "--tenant", broken.slug)

    assert result.returncode == 1
    assert "template: migrated" in result.stdout
    assert f"{healthy.slug}: migrated" in result.stdout
    assert f"{broken.slug}: FAILED" in result.stdout
    ok = Tenant.objects.get(slug=healthy.slug)
    assert ok.migration_state == "migrated"
    assert ok.migrated_at is not None
    assert ok.migrated_to["accounts"] == "0001_initial"
    failed = Tenant.objects.get(slug=broken.slug)
    assert failed.migration_state == "failed"
    assert broken.db_name in failed.migration_error
