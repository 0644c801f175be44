"""migrate_tenants: the template first, then every tenant in parallel, each one recorded."""

from __future__ import annotations

import psycopg
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from dockpulse.tenancy import dbadmin, tenant_context
from dockpulse.tenancy.directory import active_tenant_ids
from dockpulse.tenancy.registry import registry
from platform_app.models import Tenant
from tenant_apps.configuration.models import TenantModule
from tests.support import run_manage


def execute(db_name: str, *statements: str) -> None:
    params = dbadmin.connection_params()
    params["dbname"] = db_name
    with psycopg.connect(**params, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def table_exists(db_name: str, table: str) -> bool:
    params = dbadmin.connection_params()
    params["dbname"] = db_name
    with psycopg.connect(**params) as conn:
        row = conn.execute("SELECT to_regclass(%s)", [table]).fetchone()
    return row is not None and row[0] is not None


def unapply_configuration(db_name: str, *, keep_field_configs: bool = False) -> None:
    """Make the tenant look as if the configuration app's migrations (0001_initial,
    0002_company_profile) were new ones."""
    drops = ["DROP TABLE company_profile", "DROP TABLE tenant_modules"]
    if not keep_field_configs:
        drops.append("DROP TABLE field_configs")
    execute(db_name, *drops, "DELETE FROM django_migrations WHERE app = 'configuration'")


def test_one_broken_tenant_does_not_stop_the_others(make_tenant):
    healthy = [make_tenant(), make_tenant()]
    broken = make_tenant()
    for tenant in healthy:
        unapply_configuration(tenant.db_name)
    # Broken on purpose: a table in the way of the migration.
    unapply_configuration(broken.db_name, keep_field_configs=True)

    result = run_manage("migrate_tenants", "--parallel", "2", "--strict")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "template: up to date" in result.stdout
    assert f"failed: {broken.slug}" in result.stderr
    # Without --strict the others are served: exit 0, the failure still said.
    lenient = run_manage("migrate_tenants")
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert f"failed: {broken.slug} (fenced off" in lenient.stderr
    # The broken tenant's host is "being updated" (503), its tasks wait; the others serve.
    fenced = registry.get(broken.slug)
    assert fenced is not None and fenced.migration_failed and not fenced.is_active
    page = Client(HTTP_HOST=f"{broken.slug}.localhost").get("/login/")
    assert page.status_code == 503 and page["Retry-After"] == "300"
    assert "is being updated" in page.content.decode()
    api = Client(HTTP_HOST=f"{broken.slug}.localhost").get("/api/v1/customers/")
    assert api.status_code == 503 and api.json()["error"]["code"] == "maintenance"
    for tenant in healthy:
        assert Client(HTTP_HOST=f"{tenant.slug}.localhost").get("/login/").status_code == 200
    assert broken.id not in active_tenant_ids()
    for tenant in healthy:
        row = Tenant.objects.get(slug=tenant.slug)
        assert row.migration_state == "migrated"
        assert row.migrated_to.get("configuration") == "0002_company_profile", (
            row.migrated_to,
            result.stdout,
        )
        assert row.migration_error == ""
        assert f"{tenant.slug}: migrated (2 applied" in result.stdout
        with tenant_context(tenant):
            assert TenantModule.objects.count() == 0  # the table is back
    failed = Tenant.objects.get(slug=broken.slug)
    assert failed.migration_state == "failed"
    assert 'relation "field_configs" already exists' in failed.migration_error
    # One transaction per tenant: the broken one is not half-migrated.
    assert not table_exists(broken.db_name, "tenant_modules")
    assert "2 migrated" in result.stdout and "1 failed" in result.stdout

    execute(broken.db_name, "DROP TABLE field_configs")  # the fix
    second = run_manage("migrate_tenants")
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{broken.slug}: migrated (2 applied" in second.stdout
    assert "1 migrated" in second.stdout and "0 failed" in second.stdout
    for tenant in healthy:
        assert f"{tenant.slug}:" not in second.stdout  # skipped, not migrated again
    fixed = Tenant.objects.get(slug=broken.slug)
    assert fixed.migration_state == "migrated" and fixed.migration_error == ""
    served = registry.get(broken.slug)
    assert served is not None and served.is_active  # the fence is lifted for every process
    assert Client(HTTP_HOST=f"{broken.slug}.localhost").get("/login/").status_code == 200


def test_plan_lists_and_applies_nothing(make_tenant):
    tenant = make_tenant()
    unapply_configuration(tenant.db_name)
    result = run_manage("migrate_tenants", "--plan", "--tenant", tenant.slug)
    assert result.returncode == 0, result.stderr
    assert (
        f"{tenant.slug}: 2 to apply\n  configuration.0001_initial\n"
        "  configuration.0002_company_profile" in result.stdout
    )
    assert not table_exists(tenant.db_name, "tenant_modules")

    listing = run_manage("list_tenants", "--migrations")
    row = next(line for line in listing.stdout.splitlines() if line.startswith(tenant.slug))
    assert row.split()[-1] == "2"
    tenant_a_row = next(line for line in listing.stdout.splitlines() if line.startswith("tenant-a"))
    assert tenant_a_row.split()[-1] == "0"


def test_django_migrate_fallback_for_tenant_data_migrations(make_tenant, monkeypatch):
    """Pending migrations that are not plain SQL go through Django's own migrate."""
    from platform_app.services import migrations

    tenant = make_tenant()
    unapply_configuration(tenant.db_name)
    monkeypatch.setattr(migrations, "_replayable", lambda migration: False)
    result = migrations.tenant_migrate(Tenant.objects.get(slug=tenant.slug))
    assert result.status == "migrated", result.error
    assert result.applied == ["configuration.0001_initial", "configuration.0002_company_profile"]
    assert table_exists(tenant.db_name, "tenant_modules")


def test_pending_migrations_of_several_apps_replay_together(make_tenant):
    """A release with migrations in unrelated apps (a tenant app and the platform's)."""
    tenant = make_tenant()
    unapply_configuration(tenant.db_name)
    execute(
        tenant.db_name,
        "DELETE FROM django_migrations "
        "WHERE app = 'platform_app' AND name = '0003_billing_keeps_slug'",
    )
    result = run_manage("migrate_tenants", "--tenant", tenant.slug)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{tenant.slug}: migrated (3 applied" in result.stdout
    assert table_exists(tenant.db_name, "tenant_modules")
    row = Tenant.objects.get(slug=tenant.slug)
    [(_app, latest)] = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(
        "platform_app"
    )
    assert row.migrated_to["platform_app"] == latest
