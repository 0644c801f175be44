"""Billing's beat task: the month that ended gets its records, pending past due turn overdue."""

from __future__ import annotations

from dockpulse.celery import PeriodicTask, app
from dockpulse.tenancy import platform_context
from platform_app.services.billing import (
    billing_generate_month,
    billing_mark_overdue,
    platform_today,
    previous_month,
)


@app.task(base=PeriodicTask, name="platform.billing_generate", queue="maintenance")
def billing_generate() -> dict[str, int | str]:
    """Hourly (settings CELERY_BEAT_SCHEDULE). Idempotent: the previous month's records
    are made once, by the first run after the month turned (the 1st, platform time), and
    later runs find them made; then overdue marking, which is a no-op when nothing fell due."""
    with platform_context():
        today = platform_today()
        generated = billing_generate_month(month=previous_month(today), today=today)
        overdue = billing_mark_overdue(today=today)
    return {
        "month": generated.month.strftime("%Y-%m"),
        "made": generated.made,
        "existing": generated.existing,
        "overdue": overdue,
    }
