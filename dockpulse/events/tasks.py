"""Celery tasks of the event bus. Tenant tasks take the tenant id first (TenantTask).

`events.drain` and `events.run_delivery` live in delivery.py, beside the drain that queues
them; they are imported here so that this module names every task of the app.
"""

from __future__ import annotations

import logging

from dockpulse import extensions
from dockpulse.celery import PeriodicTask, TenantTask, app
from dockpulse.tenancy.directory import fan_out

from . import delivery
from .delivery import drain_events, run_delivery

__all__ = ["drain_events", "run_delivery", "sweep_all", "sweep_tenant"]

logger = logging.getLogger("dockpulse.events")


def _count_key(name: str, taken: dict[str, int]) -> str:
    """The result key of a registered sweep: "notifications.sends" -> "sends_requeued",
    the key this task returned before apps registered their sweeps; the full name if
    two apps' sweeps end alike."""
    key = f"{name.rpartition('.')[2]}_requeued"
    return name if key in taken else key


@app.task(base=TenantTask, name="events.sweep_tenant", queue="maintenance")
def sweep_tenant(tenant_id: str) -> dict[str, int]:
    counts = delivery.sweep()
    failed: Exception | None = None
    for registered in extensions.sweeps():
        # One app's broken sweep must not keep the others from running; the task still
        # fails afterwards, so the error is seen.
        try:
            done = registered.func()
        except Exception as exc:
            logger.exception("sweep %s failed", registered.name)
            failed = failed or exc
            continue
        counts[_count_key(registered.name, counts)] = done
    if failed is not None:
        raise failed
    return counts


@app.task(base=PeriodicTask, name="events.sweep", queue="maintenance")
def sweep_all() -> int:
    """Beat runs this: one sweep task per active tenant."""
    return fan_out(sweep_tenant)
