"""A tenant of the services template has no stock module at all: its orders reserve
nothing and the stock endpoints answer 404. Committed on a tenant of its own (no
django_db mark: a flush would wipe the shared tenants)."""

from __future__ import annotations

from dockpulse.tenancy import tenant_context
from tenant_apps.configuration.models import TenantModule
from tenant_apps.stock.models import StockLevel, StockMovement, StockReservation
from tests.support import STOCK_URLS, client_for, handle, make_order, move, seed


def test_services_template_has_no_stock(make_tenant):
    tenant = make_tenant(template="services", plan_code="business")
    with tenant_context(tenant):
        assert not TenantModule.objects.filter(module_code="@stock").exists()
    data = seed(tenant)
    order = make_order(tenant, data, (data["P1"], "2"))
    handle(tenant, order)
    move(tenant, order, "confirmed", "in_progress", "shipped")
    handle(tenant, order, "order.shipped")
    with tenant_context(tenant):
        assert not StockReservation.objects.exists()
        assert not StockMovement.objects.exists() and not StockLevel.objects.exists()

    admin = client_for(tenant, "admin")
    for url in STOCK_URLS:
        assert admin.get(url).status_code == 404, url
    body = {"product": str(data["P1"].id), "quantity": "5", "reason": "delivery"}
    for path in ("receive", "adjust"):
        assert admin.post(f"/api/v1/stock/{path}/", body, format="json").status_code == 404
    lines = admin.get(f"/api/v1/orders/{order.id}/").json()["lines"]
    assert [(x["reserved"], x["backordered"], x["stock_status"]) for x in lines] == [
        (None, None, None)
    ]
