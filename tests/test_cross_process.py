"""Other processes change tenants; a running server sees it from the next request."""

from __future__ import annotations

from platform_app.models import Tenant
from platform_app.services import tenant_set_status
from tests.support import run_manage


def test_tenant_created_elsewhere_is_routed_without_restart(http_server, make_tenant):
    assert http_server.get("late-comer.localhost", "/login/")[0] == 404
    make_tenant("late-comer", name="Late Comer")
    status, body = http_server.get("late-comer.localhost", "/login/")
    assert status == 200
    assert "Late Comer" in body


def test_suspended_elsewhere_is_refused_from_next_request(http_server, make_tenant):
    tenant = make_tenant(name="Soon Suspended")
    host = f"{tenant.slug}.localhost"
    assert http_server.get(host, "/login/")[0] == 200

    # Another process suspends it (the server caches tenants in-process).
    script = (
        "from platform_app.models import Tenant; from platform_app.services import "
        f"tenant_set_status; tenant_set_status(tenant=Tenant.objects.get(slug='{tenant.slug}'), "
        "status='suspended', reason='unpaid', actor='test')"
    )
    result = run_manage("shell", "-c", script)
    assert result.returncode == 0, result.stderr

    status, body = http_server.get(host, "/login/")
    assert status == 403
    assert "Account suspended" in body and "Soon Suspended" in body

    tenant_set_status(tenant=Tenant.objects.get(slug=tenant.slug), status="active")
    assert http_server.get(host, "/login/")[0] == 200


def test_deleted_tenant_is_404(http_server, make_tenant):
    tenant = make_tenant()
    host = f"{tenant.slug}.localhost"
    assert http_server.get(host, "/login/")[0] == 200
    tenant_set_status(tenant=Tenant.objects.get(slug=tenant.slug), status="deleted")
    status, body = http_server.get(host, "/login/")
    assert status == 404
    assert "There is no DockPulse account at this address." in body

    # Its address stays reserved until the tenant is purged.
    again = run_manage(
        "create_tenant", tenant.slug, "--name", "Again", "--template", "trade",
        "--admin-email", "a@a.pl",
    )  # fmt: skip
    assert again.returncode == 2
    assert "belonged to a deleted tenant" in again.stderr
