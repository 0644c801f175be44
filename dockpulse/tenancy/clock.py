"""The tenant's clock: its time zone, its now, its today, the moment its day begins.

"Orders of 3 May", a quote valid "until 3 May", a report's day: all mean the tenant's day
in its own time zone (company profile), never the server's or UTC's. One place for it, so
every app draws midnight in the same spot.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from .context import get_current_tenant


def tenant_zone() -> ZoneInfo:
    return ZoneInfo(get_current_tenant().time_zone)


def tenant_now() -> dt.datetime:
    return timezone.localtime(timezone.now(), tenant_zone())


def tenant_today() -> dt.date:
    return tenant_now().date()


def tenant_day_start(day: dt.date) -> dt.datetime:
    """The aware moment the tenant's `day` begins (its midnight; 23 or 25 hours before the
    next on the days the clocks change)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=tenant_zone())
