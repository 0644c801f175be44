"""Celery tasks of the event bus. Tenant tasks take the tenant id first (TenantTask)."""

from __future__ import annotations

import logging
from typing import Any

from dockpulse.celery import TenantTask, app

from . import delivery

logger = logging.getLogger("dockpulse.events")


@app.task(base=TenantTask, name="events.drain", queue="events")
def drain_events(tenant_id: str) -> dict[str, Any]:
    delivery.clear_wake(tenant_id)
    result = delivery.drain()
    if result.events:
        logger.info("drained %d event(s): %d handled, %d queued",
                    result.events, result.done, len(result.queued))  # fmt: skip
    return {"events": result.events, "done": result.done, "queued": len(result.queued)}


@app.task(base=TenantTask, name="events.run_delivery", queue="events")
def run_delivery(tenant_id: str, delivery_id: str) -> str:
    return delivery.deliver(delivery_id)


@app.task(base=TenantTask, name="events.sweep_tenant", queue="maintenance")
def sweep_tenant(tenant_id: str) -> dict[str, int]:
    from tenant_apps.notifications.services import deliveries_sweep

    counts = delivery.sweep()
    counts["sends_requeued"] = deliveries_sweep()
    return counts


@app.task(name="events.sweep", queue="maintenance")
def sweep_all() -> int:
    """Beat runs this: one sweep task per active tenant."""
    from platform_app.models import Tenant

    ids = list(Tenant.objects.filter(status=Tenant.Status.ACTIVE).values_list("id", flat=True))
    for tenant_id in ids:
        sweep_tenant.apply_async(args=[str(tenant_id)])
    return len(ids)
