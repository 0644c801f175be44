from __future__ import annotations

from dockpulse.celery import TenantTask, app

from .services import expired_credentials_clear


@app.task(base=TenantTask, name="accounts.clear_expired", queue="maintenance")
def clear_expired(tenant_id: str) -> tuple[int, int]:
    return expired_credentials_clear()
