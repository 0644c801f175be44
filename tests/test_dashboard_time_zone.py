"""A tenant's new time zone moves its orders across midnight: the dashboard's days follow."""

from __future__ import annotations

import datetime as dt

from dockpulse.actors import SYSTEM
from dockpulse.events import delivery
from dockpulse.tenancy import tenant_context
from tenant_apps.configuration.services import company_profile_update
from tenant_apps.dashboard.models import DailySales
from tenant_apps.dashboard.services import daily_sales_rebuild
from tenant_apps.sales.models import Order
from tests.support import make_order, seed


def test_a_time_zone_change_moves_the_days(make_tenant):
    tenant = make_tenant()
    data = seed(tenant)
    order = make_order(tenant, data, (data["P1"], "1"))
    late = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)  # 1 July, 01:30 in Warsaw
    with tenant_context(tenant):
        Order.objects.filter(pk=order.pk).update(created_at=late)
        daily_sales_rebuild()
        assert set(DailySales.objects.values_list("day", flat=True)) == {dt.date(2026, 7, 1)}
        company_profile_update(changes={"time_zone": "UTC"}, actor=SYSTEM)
    # The worker's step, in a context read afresh (as a task's is).
    with tenant_context(tenant.slug):
        delivery.drain()
        days = set(DailySales.objects.values_list("day", flat=True))
    assert days == {dt.date(2026, 6, 30)}
