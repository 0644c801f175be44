"""Date ranges in the tenant's time zone: a day is the tenant's day, not UTC's.

A report's range is two tenant dates, both included. The database compares timestamps,
so the range becomes [midnight starting `start`, midnight starting the day after `end`)
in the tenant's zone, as aware datetimes: a DST change inside the range shortens or
lengthens one day by an hour and moves nothing across midnight. Periods (day, week,
month) are truncated in the same zone by PostgreSQL (`date_trunc` on the local time), so
the SQL and these Python helpers agree on every boundary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import DateField, Expression
from django.db.models.functions import Trunc
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from dockpulse.tenancy import tenant_day_start, tenant_today, tenant_zone

# The tenant's clock, re-exported: the reports read it from here.
__all__ = ["GRAINS", "DateRange", "day_start", "next_period", "period_start", "tenant_today",
           "tenant_zone", "truncated"]  # fmt: skip

GRAINS = {"day": _("Day"), "week": _("Week"), "month": _("Month")}


day_start = tenant_day_start


def period_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the period holding `day` (ISO weeks start on Monday)."""
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def next_period(start: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return start + dt.timedelta(days=7)
    if grain == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DateRange:
    start: dt.date
    end: dt.date  # included

    @property
    def since(self) -> dt.datetime:
        return day_start(self.start)

    @property
    def until(self) -> dt.datetime:
        """Exclusive: the first moment after the range."""
        return day_start(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def periods(self, grain: str) -> Iterator[dt.date]:
        """Every period's first day, the first one possibly before `start`."""
        current = period_start(self.start, grain)
        while current <= self.end:
            yield current
            current = next_period(current, grain)

    def period_label(self, first: dt.date, grain: str) -> str:
        """A period as the table names it, cut to the range (from the first day to the last)."""
        if grain == "day":
            return formats.date_format(first, "SHORT_DATE_FORMAT")
        last_day = next_period(first, grain) - dt.timedelta(days=1)
        if grain == "month" and first >= self.start and last_day <= self.end:
            return formats.date_format(first, "YEAR_MONTH_FORMAT")
        last = min(next_period(first, grain) - dt.timedelta(days=1), self.end)
        first = max(first, self.start)
        return (
            f"{formats.date_format(first, 'SHORT_DATE_FORMAT')}"
            f"\u2013{formats.date_format(last, 'SHORT_DATE_FORMAT')}"
        )


def truncated(field: str, grain: str) -> Expression:
    """SQL: the first day of `field`'s period in the tenant's zone, as a date."""
    return Trunc(field, grain, output_field=DateField(), tzinfo=tenant_zone())
