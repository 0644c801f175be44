from __future__ import annotations

from dockpulse.celery import TenantTask, app

from .services import quotes_expire


@app.task(base=TenantTask, name="sales.expire_quotes", queue="maintenance")
def expire_quotes(tenant_id: str) -> int:
    return quotes_expire()


@app.task(name="sales.expire_quotes_all", queue="maintenance")
def expire_quotes_all() -> int:
    """Beat runs this hourly: one task per active tenant."""
    from platform_app.models import Tenant

    ids = list(Tenant.objects.filter(status=Tenant.Status.ACTIVE).values_list("id", flat=True))
    for tenant_id in ids:
        expire_quotes.apply_async(args=[str(tenant_id)])
    return len(ids)
