"""The bounded set of tenant connections and the generation switch."""

from __future__ import annotations

import dataclasses

from django.db import connections
from django.test import Client, override_settings

from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy import dbadmin, tenant_context
from tenant_apps.configuration.models import TenantModule

CAP = 3


def backends_on(db_names: list[str]) -> int:
    with dbadmin.admin_connection() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(%s)", [db_names]
        ).fetchone()
    assert row is not None
    return int(row[0])


@override_settings(TENANT_CONNECTIONS_PER_PROCESS=CAP)
def test_at_most_cap_tenant_connections_are_open(make_tenant):
    tenants = [make_tenant() for _ in range(3 * CAP)]
    db_names = [t.db_name for t in tenants]
    for _ in range(2):
        for tenant in tenants:
            response = Client(HTTP_HOST=f"{tenant.slug}.localhost").get("/login/")
            assert response.status_code == 200
            # The login page touched the tenant database (its session), so it is open.
            with tenant_context(tenant):
                assert TenantModule.objects.exists()
            open_now = tenant_connections.open_tenant_connections()
            assert tenant.alias in open_now
            assert len(open_now) <= CAP
            assert backends_on(db_names) <= CAP
            # Evicted aliases leave connections.settings, so Django's walks stay bounded.
            assert sum(alias.startswith("tenant_t-") for alias in connections) <= CAP


def test_generation_bump_reconnects_to_the_new_database(make_tenant):
    """Restore and move bump the generation: a process drops its old connection."""
    original = make_tenant()
    replacement = make_tenant()
    with tenant_context(original):
        TenantModule.objects.filter(module_code="@stock").update(is_enabled=False)
        assert not TenantModule.objects.get(module_code="@stock").is_enabled
    old_connection = connections[original.alias].connection
    moved = dataclasses.replace(
        original, db_name=replacement.db_name, generation=original.generation + 1
    )
    with tenant_context(moved):
        # Same alias, now pointing at the other database: @stock is enabled there.
        assert TenantModule.objects.get(module_code="@stock").is_enabled
        assert connections[original.alias].connection is not old_connection
        assert connections[original.alias].settings_dict["NAME"] == replacement.db_name
