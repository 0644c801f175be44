"""Gathering the tenants' usage figures (platform_app.services.usage)."""

from __future__ import annotations

from dockpulse.celery import app
from dockpulse.tenancy import platform_context
from platform_app.services.usage import usage_gather_all


@app.task(name="platform.usage_gather_all", queue="maintenance")
def usage_gather_all_task() -> int:
    """Beat runs this every 15 minutes (and "Refresh figures" on the list): one loop
    over the tenants, so database sizes are one query per server; a failing tenant is
    written on its row and the loop goes on. Returns how many were gathered cleanly."""
    with platform_context():
        return usage_gather_all()
