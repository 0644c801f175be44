"""Bar charts drawn on the server as SVG: the geometry here, the markup in a template.

A page computes a chart from its figures (`column_chart` for a series such as revenue per
day, `row_chart` for labelled counts such as orders by status) and its template draws
the bars as <rect> elements with presentation attributes (x, y, width, height) and CSS
classes from app.css (`.chart .bar` ...), with a <title>/<desc> and a table of the same
figures for screen readers and keyboard users (templates/dashboard/chart_*.html).

Why our own ~150 lines rather than pygal or a vendored JavaScript library:

- The pages' Content-Security-Policy allows no inline styles or scripts. pygal's SVG
  carries a <style> block and inline styles and, by default, a <script> loaded from a
  CDN for its tooltips; every chart would need a CSP exception or post-processing.
- Numbers and dates must read as the rest of the page does (`1 234,56 zł`, `01.12.2026`):
  the template formats them with the same filters (`|money`, `|num`, `|date`), where a
  chart library brings its own formatting (and a JavaScript one a second copy of l10n).
- Server-rendered SVG works without JavaScript, prints, and costs no extra request; a
  bar chart is a few rectangles, so the dependency would buy little.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

# The steps a value axis may use, times a power of ten (1, 2, 2.5, 3, 4, 5 ... 10, 20 ...).
_STEPS = tuple(Decimal(s) for s in ("1", "2", "2.5", "3", "4", "5", "6", "8", "10"))


@dataclass(frozen=True, slots=True)
class Bar:
    key: Any  # what the bar stands for (a day, a status code), for the template
    label: str  # what it is, in full: its tooltip and its row of the table
    value: Decimal
    x: float
    y: float
    width: float
    height: float
    # Where the bar's caption goes (under a column, left of a row) and whether to show it.
    label_x: float
    label_y: float
    show_label: bool = True
    css: str = ""  # extra classes for this bar (e.g. a status)
    caption: str = ""  # its text on the axis (a short form of the label)
    # Where a row chart writes the bar's value (right of its end).
    value_x: float = 0.0
    value_y: float = 0.0


@dataclass(frozen=True, slots=True)
class Tick:
    value: Decimal
    position: float  # y of a column chart's grid line, x of a row chart's


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    # The plot area: bars stand on `base` (a column chart's bottom, a row chart's left).
    left: float
    top: float
    right: float
    bottom: float

    @property
    def tick_label_x(self) -> float:
        """A column chart's value captions: right-aligned left of the plot."""
        return _r(self.left - 6)

    @property
    def tick_label_y(self) -> float:
        """A row chart's value captions: under the plot."""
        return _r(self.bottom + 15)

    @property
    def tick_places(self) -> int:
        """Decimal places the value captions need (0 unless the steps are fractions)."""
        return 0 if all(t.value == t.value.to_integral_value() for t in self.ticks) else 2

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)

    @property
    def total(self) -> Decimal:
        return sum((bar.value for bar in self.bars), Decimal(0))


@dataclass(frozen=True, slots=True)
class Point:
    key: Any
    label: str
    value: Decimal | int
    css: str = ""
    caption: str = ""  # the axis text when shorter than the label ("3 Nov")


def nice_ticks(maximum: Decimal, count: int = 4, *, whole: bool = False) -> tuple[Decimal, ...]:
    """0 and `count` evenly spaced round values, the last at or above `maximum`; with
    `whole`, steps of at least 1 (counts have no fractions)."""
    if maximum <= 0:
        return tuple(Decimal(i) for i in range(count + 1))
    raw = maximum / count
    if whole:
        raw = max(raw, Decimal(1))
    exponent = raw.adjusted()  # the power of ten of the first digit
    scale = Decimal(10) ** exponent
    step = next(s * scale for s in _STEPS if s * scale >= raw)
    if step >= 1:
        step = step.to_integral_value(rounding=ROUND_CEILING)
    return tuple(step * i for i in range(count + 1))


def _r(value: float) -> float:
    return round(value, 1)


def column_chart(
    points: Sequence[Point],
    *,
    width: int = 640,
    height: int = 220,
    label_every: int = 1,
    ticks: int = 4,
    whole: bool = False,
) -> Chart:
    """Vertical bars, one per point, left to right; every `label_every`-th captioned.
    `whole`: the values are counts (whole-number axis steps)."""
    left, right, top, bottom = 56.0, float(width) - 8, 10.0, float(height) - 26
    values = [max(Decimal(p.value), Decimal(0)) for p in points]
    scale = nice_ticks(max(values, default=Decimal(0)), ticks, whole=whole)
    top_value = scale[-1]
    plot_h = bottom - top
    slot = (right - left) / max(len(points), 1)
    bars = []
    for i, (point, value) in enumerate(zip(points, values, strict=True)):
        h = float(value / top_value) * plot_h if top_value else 0.0
        x = left + i * slot + slot * 0.15
        bars.append(
            Bar(
                key=point.key,
                label=point.label,
                value=value,
                x=_r(x),
                y=_r(bottom - h),
                width=_r(slot * 0.7),
                height=_r(h),
                label_x=_r(left + i * slot + slot / 2),
                label_y=_r(bottom + 16),
                show_label=i % max(label_every, 1) == 0,
                css=point.css,
                caption=point.caption or point.label,
            )
        )
    grid = tuple(
        Tick(v, _r(bottom - float(v / top_value) * plot_h) if top_value else bottom) for v in scale
    )
    return Chart(width, height, tuple(bars), grid, left, top, right, bottom)


def row_chart(
    points: Sequence[Point],
    *,
    width: int = 640,
    row_height: int = 30,
    gutter: int = 130,
    ticks: int = 4,
    whole: bool = False,
) -> Chart:
    """Horizontal bars, one row per point, top to bottom, captioned on the left.
    `whole`: the values are counts (whole-number axis steps)."""
    left, right, top = float(gutter), float(width) - 56, 6.0
    height = int(top + row_height * max(len(points), 1) + 22)
    bottom = float(height) - 22
    values = [max(Decimal(p.value), Decimal(0)) for p in points]
    scale = nice_ticks(max(values, default=Decimal(0)), ticks, whole=whole)
    top_value = scale[-1]
    plot_w = right - left
    bars = []
    for i, (point, value) in enumerate(zip(points, values, strict=True)):
        w = float(value / top_value) * plot_w if top_value else 0.0
        y = top + i * row_height
        bars.append(
            Bar(
                key=point.key,
                label=point.label,
                value=value,
                x=_r(left),
                y=_r(y + row_height * 0.2),
                width=_r(w),
                height=_r(row_height * 0.6),
                label_x=_r(left - 8),
                label_y=_r(y + row_height * 0.5 + 4),
                css=point.css,
                caption=point.caption or point.label,
                value_x=_r(left + w + 6),
                value_y=_r(y + row_height * 0.5 + 4),
            )
        )
    grid = tuple(
        Tick(v, _r(left + float(v / top_value) * plot_w) if top_value else left) for v in scale
    )
    return Chart(width, height, tuple(bars), grid, left, top, right, bottom)
