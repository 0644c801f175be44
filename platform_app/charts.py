"""The billing page's charts: dockpulse.web.charts' column charts, plus stacked columns for
tenants per plan. Geometry only; templates/platform_app/billing/chart_*.html draw it as SVG
with presentation attributes and CSS classes (no inline style: the pages' CSP)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format

from dockpulse.web.charts import Chart, Point, Tick, column_chart, nice_ticks

# How many plan colours platform-billing.css defines (.plan-0 ... .plan-5); more wrap.
PLAN_COLOURS = 6


def month_label(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def month_caption(month: date) -> str:
    """The axis text: "11.26" style is unclear; the month's short name and the year's end."""
    return f"{date_format(month, 'M')} {month:%y}"


def months_chart(
    months: Sequence[date], values: Sequence[Decimal | int], *, whole: bool = False
) -> Chart:
    points = [
        Point(key=m, label=month_label(m), value=v, caption=month_caption(m))
        for m, v in zip(months, values, strict=True)
    ]
    return column_chart(points, width=640, height=220, label_every=2, whole=whole)


@dataclass(frozen=True, slots=True)
class Segment:
    key: str  # plan code
    label: str  # plan name
    value: int
    css: str
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class Column:
    key: date
    label: str
    caption: str
    show_label: bool
    x: float
    width: float
    label_x: float
    label_y: float
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class StackedChart:
    width: int
    height: int
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]
    left: float
    top: float
    right: float
    bottom: float
    legend: tuple[tuple[str, str, str], ...]  # (code, name, css)

    @property
    def tick_label_x(self) -> float:
        return round(self.left - 6, 1)

    @property
    def tick_places(self) -> int:
        return 0


def stacked_months_chart(
    months: Sequence[date],
    counts: Sequence[dict[str, int]],
    plans: Sequence[tuple[str, str]],
    *,
    width: int = 640,
    height: int = 220,
    label_every: int = 2,
) -> StackedChart:
    """One column per month, one segment per plan (bottom up, in `plans` order)."""
    left, right, top, bottom = 56.0, float(width) - 8, 10.0, float(height) - 26
    totals = [sum(c.values()) for c in counts]
    scale = nice_ticks(Decimal(max(totals, default=0)), 4, whole=True)
    top_value = float(scale[-1]) or 1.0
    plot_h = bottom - top
    slot = (right - left) / max(len(months), 1)
    css = {code: f"plan-{i % PLAN_COLOURS}" for i, (code, _name) in enumerate(plans)}
    columns = []
    for i, (month, count) in enumerate(zip(months, counts, strict=True)):
        y = bottom
        segments = []
        for code, name in plans:
            value = count.get(code, 0)
            if not value:
                continue
            h = value / top_value * plot_h
            y -= h
            segments.append(Segment(code, name, value, css[code], round(y, 1), round(h, 1)))
        columns.append(
            Column(
                key=month,
                label=month_label(month),
                caption=month_caption(month),
                show_label=i % max(label_every, 1) == 0,
                x=round(left + i * slot + slot * 0.15, 1),
                width=round(slot * 0.7, 1),
                label_x=round(left + i * slot + slot / 2, 1),
                label_y=round(bottom + 16, 1),
                total=totals[i],
                segments=tuple(segments),
            )
        )
    ticks = tuple(Tick(v, round(bottom - float(v) / top_value * plot_h, 1)) for v in scale)
    legend = tuple((code, name, css[code]) for code, name in plans)
    return StackedChart(width, height, tuple(columns), ticks, left, top, right, bottom, legend)
