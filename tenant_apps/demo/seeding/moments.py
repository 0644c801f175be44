"""Moments of the demo's 90 days: business hours in the tenant's zone, busier on weekdays
and slowly busier towards today, never after now."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from zoneinfo import ZoneInfo


class Calendar:
    """Moments in the tenant's local business hours over the last `days` days."""

    def __init__(self, rng: random.Random, *, now: dt.datetime, zone: str, days: int) -> None:
        self.rng, self.now, self.days = rng, now, days
        self.zone = ZoneInfo(zone)
        self.today = now.astimezone(self.zone).date()
        weights = []
        for offset in range(days):
            day = self.today - dt.timedelta(days=offset)
            weekday = (1.0, 1.0, 1.0, 1.0, 0.95, 0.4, 0.15)[day.weekday()]
            weights.append(weekday * (0.75 + 0.5 * (1 - offset / days)))
        # Today counts only for the part of it that has passed.
        weights[0] *= max(0.05, self._passed_today())
        self._cum = list(itertools.accumulate(weights))

    def _passed_today(self) -> float:
        local = self.now.astimezone(self.zone)
        hours = local.hour + local.minute / 60
        return min(1.0, max(0.0, (hours - 7) / 11))

    def _at(self, day: dt.date, hours: float) -> dt.datetime:
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
        return (midnight + dt.timedelta(hours=hours)).astimezone(dt.UTC)

    def moment(self, *, evening: bool = False) -> dt.datetime:
        """A moment on a weighted day of the window, never after now."""
        rng = self.rng
        offset = bisect.bisect_left(self._cum, rng.random() * self._cum[-1])
        day = self.today - dt.timedelta(days=offset)
        hours = rng.uniform(17, 23) if evening else rng.triangular(7, 18, 10.5)
        at = self._at(day, hours)
        if at > self.now:
            midnight = self._at(self.today, 0)
            at = midnight + (self.now - midnight) * rng.random()
        return at

    def before(self, days: tuple[int, int]) -> dt.datetime:
        """A business-hours moment between days[1] and days[0] days before the window."""
        day = self.today - dt.timedelta(days=self.rng.randint(*days))
        return self._at(day, self.rng.triangular(7, 17, 10))

    def local_date(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.zone).date()
