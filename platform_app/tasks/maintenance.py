"""Platform-wide periodic work: what runs once for the platform and once per tenant."""

from __future__ import annotations

from dockpulse.celery import PeriodicTask, app
from dockpulse.tenancy import platform_context
from dockpulse.tenancy.directory import fan_out
from dockpulse.tenancy.registry import registry
from tenant_apps.accounts.services import expired_credentials_clear
from tenant_apps.accounts.tasks import clear_expired


@app.task(base=PeriodicTask, name="platform.clear_expired_all", queue="maintenance")
def clear_expired_all() -> int:
    """Beat runs this: the platform's expired sessions and tokens now, then one task per
    active tenant (a suspended tenant's are cleared after it resumes)."""
    with platform_context():
        expired_credentials_clear()
    return fan_out(clear_expired)


@app.task(base=PeriodicTask, name="platform.registry_reconcile", queue="maintenance")
def registry_reconcile() -> int:
    """Beat runs this every minute: tenant changes whose publish Redis missed (it was
    down) reach the registry's hash from the platform database, so every process sees
    them (dockpulse/tenancy/registry.py); how many stamps it healed."""
    return registry.reconcile()
