"""The reports' Celery tasks: a big export written in the background, and the clean-up of
old export files. Both on the maintenance queue: long and rare work that must never
queue in front of the event drains."""

from __future__ import annotations

from typing import Any

from dockpulse.celery import PeriodicTask, TenantTask, app
from dockpulse.tenancy.directory import fan_out

from .exports import services


@app.task(
    bind=True,
    base=TenantTask,
    name=services.RUN_TASK,
    queue=services.QUEUE,
    soft_time_limit=services.RUN_SOFT_LIMIT,
    time_limit=services.RUN_HARD_LIMIT,
)
def export_run(self: Any, tenant_id: str, export_id: str) -> str:
    # The claim names this attempt, so a retry after a database outage can take it back.
    token = f"{self.request.id}:{self.request.retries}" if self.request.id else ""
    return services.report_export_run(export_id=export_id, run_token=token)


@app.task(base=TenantTask, name="reports.export_cleanup", queue="maintenance")
def export_cleanup(tenant_id: str) -> int:
    return services.report_exports_expire()


@app.task(base=PeriodicTask, name="reports.export_cleanup_all", queue="maintenance")
def export_cleanup_all() -> int:
    """Beat runs this hourly: one task per active tenant."""
    return fan_out(export_cleanup)
