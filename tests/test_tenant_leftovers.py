"""What a crash leaves behind (issue 18, 5): a row stuck in `provisioning` and databases
no tenant points at. `delete_tenant` removes a stale provisioning (and frees its slug);
`list_tenants --check` reports both, and exits 1 while anything is left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import timezone
from psycopg import sql

from dockpulse.tenancy import dbadmin
from platform_app.models import Tenant, TenantAuditLog
from tests.support import database_exists, run_manage


def _create_database(name: str) -> None:
    with dbadmin.admin_connection() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@pytest.fixture
def crashed(committed: None) -> Iterator[Tenant]:
    """What a provisioning killed after CREATE DATABASE leaves: the row and the database."""
    slug = "half-made"
    name = dbadmin.tenant_db_name(slug)
    _create_database(name)
    tenant = Tenant.objects.create(
        slug=slug, name="Half made", template="trade", db_name=name,
        status=Tenant.Status.PROVISIONING,
    )  # fmt: skip
    yield tenant
    with dbadmin.admin_connection() as conn:
        dbadmin.drop_database(conn, name)
    Tenant.objects.filter(slug=slug).delete()


def _age(tenant: Tenant, minutes: int) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def test_a_young_provisioning_is_left_alone_in_words(crashed):
    result = run_manage("delete_tenant", crashed.slug, "--yes")
    assert result.returncode == 2
    assert "still being created" in result.stderr and result.stderr.count("\n") == 1
    assert Tenant.objects.filter(slug=crashed.slug).exists()
    assert database_exists(crashed.db_name)


def test_delete_tenant_removes_a_stale_provisioning_and_frees_its_slug(crashed):
    _age(crashed, settings.TENANT_PROVISIONING_STALE_MINUTES + 1)
    check = run_manage("list_tenants", "--check")
    assert check.returncode == 1
    assert f"stale provisioning: {crashed.slug}" in check.stdout
    result = run_manage("delete_tenant", crashed.slug, "--yes")
    assert result.returncode == 0, result.stderr
    assert "the address is free" in result.stdout
    assert not Tenant.objects.filter(slug=crashed.slug).exists()
    assert not database_exists(crashed.db_name)
    assert TenantAuditLog.objects.filter(action="tenant.provisioning_discarded").exists()
    again = run_manage("create_tenant", crashed.slug, "--name", "Made", "--template", "trade",
                       "--admin-email", "a@half-made.example.com")  # fmt: skip
    assert again.returncode == 0, again.stderr
    purged = run_manage("delete_tenant", crashed.slug, "--purge", "--yes")
    assert purged.returncode == 0, purged.stderr


def test_list_tenants_check_names_an_orphan_database(committed):
    name = dbadmin.tenant_db_name("nobody-owns-me")
    _create_database(name)
    try:
        check = run_manage("list_tenants", "--check")
        assert check.returncode == 1
        assert f"orphan database: {name}" in check.stdout
    finally:
        with dbadmin.admin_connection() as conn:
            dbadmin.drop_database(conn, name)
    check = run_manage("list_tenants", "--check")
    assert f"orphan database: {name}" not in check.stdout
