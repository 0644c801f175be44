from __future__ import annotations

from dockpulse.celery import PeriodicTask, TenantTask, app
from dockpulse.tenancy.directory import fan_out

from .services.quotes import quotes_expire


@app.task(base=TenantTask, name="sales.expire_quotes", queue="maintenance")
def expire_quotes(tenant_id: str) -> int:
    return quotes_expire()


@app.task(base=PeriodicTask, name="sales.expire_quotes_all", queue="maintenance")
def expire_quotes_all() -> int:
    """Beat runs this hourly: one task per active tenant."""
    return fan_out(expire_quotes)
