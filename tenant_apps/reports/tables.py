"""What a report answers: typed columns, a page of rows, totals, a chart's points.

The same object feeds the panel's table, the API's JSON and the exports, so a figure
reads the same everywhere; only the formatting differs (the page formats for the
tenant's language, the API and the files keep numbers as numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.utils.functional import Promise

Kind = Literal["text", "date", "money", "count", "quantity", "percent"]
NUMERIC: frozenset[str] = frozenset({"money", "count", "quantity", "percent"})


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str | Promise
    kind: Kind = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass(frozen=True, slots=True)
class ChartPoint:
    key: Any
    label: str
    value: Decimal | int
    caption: str = ""


@dataclass(slots=True)
class Table:
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    total_rows: int
    # Sums of the numeric columns over every row (not only this page); None: none shown.
    totals: dict[str, Any] | None = None
    title: str | Promise = ""


@dataclass(slots=True)
class Result:
    table: Table
    chart: list[ChartPoint] = field(default_factory=list)
    chart_kind: Literal["columns", "rows"] = "columns"
    chart_value: Kind = "money"
    chart_title: str | Promise = ""
    # More tables below the main one (the funnel's rejection reasons).
    more: list[Table] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Export:
    """Every row of a report (or of its order lines), for a file: written as read."""

    name: str  # the file's name without the extension
    columns: Sequence[Column]
    count: Callable[[], int]
    rows: Callable[[], Iterator[Sequence[Any]]]


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole in per cent with one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))
