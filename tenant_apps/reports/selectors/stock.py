"""Stock: value per product and warehouse today or at a past date, and the low levels.

A past date's quantities are rebuilt from the movement ledger: a level's on-hand at the
end of the tenant's day D is the sum of its movements' `on_hand_change` before the first
moment of D + 1 (the ledger is append-only and every change of a level is one of its
rows, docs/stock.md). Today's are the levels' own `on_hand`, which equals that sum.

Value = quantity x the product's net price today (there is no purchase cost and no price
history; docs/reports.md says why).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import ExpressionWrapper, F, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dockpulse.tenancy import get_current_tenant
from tenant_apps.reports.periods import day_start, tenant_today
from tenant_apps.reports.sql import stream
from tenant_apps.reports.tables import ChartPoint, Column, Export, Result, Table, percent
from tenant_apps.stock.models import ZERO, StockLevel, StockMovement

CHART_BARS = 12


@dataclass(frozen=True, slots=True)
class StockValueFilters:
    as_of: dt.date
    warehouse: Any = None  # a warehouse id, or None for all
    category: str = ""
    include_zero: bool = False


VALUE_COLUMNS = [
    Column("product_code", gettext_lazy("Code")),
    Column("product_name", gettext_lazy("Product")),
    Column("category", gettext_lazy("Category")),
    Column("warehouse", gettext_lazy("Warehouse")),
    Column("quantity", gettext_lazy("Quantity"), "quantity"),
    Column("unit", gettext_lazy("Unit")),
    Column("price", gettext_lazy("Net price"), "money"),
    Column("value", gettext_lazy("Value, net"), "money"),
]


def _value_sql(filters: StockValueFilters) -> tuple[str, list[Any]]:
    """One statement for every level: its quantity at the date and its value."""
    params: list[Any] = []
    if filters.as_of >= tenant_today():
        quantity = "l.on_hand"
        ledger = ""
    else:
        # One pass over the ledger before the cutoff (a hash aggregate), rather than a
        # lookup per level: measured in bench/reports.py.
        ledger = (
            f"LEFT JOIN (SELECT stock_level_id, SUM(on_hand_change) AS qty "
            f"FROM {StockMovement._meta.db_table} WHERE created_at < %s "
            f"GROUP BY stock_level_id) m ON m.stock_level_id = l.id"
        )
        params.append(day_start(filters.as_of + dt.timedelta(days=1)))
        quantity = "COALESCE(m.qty, 0)"
    where = ["TRUE"]
    if filters.warehouse:
        where.append("l.warehouse_id = %s")
        params.append(filters.warehouse)
    if filters.category:
        where.append("p.category = %s")
        params.append(filters.category)
    sql = (
        f"SELECT p.code, p.name, p.category, w.code || ' ' || w.name, {quantity} AS quantity, "
        f"p.unit, p.price, ROUND({quantity} * p.price, 2) AS value "
        f"FROM {StockLevel._meta.db_table} l "
        f"JOIN products p ON p.id = l.product_id "
        f"JOIN warehouses w ON w.id = l.warehouse_id {ledger} "
        f"WHERE {' AND '.join(where)}"
    )
    if not filters.include_zero:
        sql = f"SELECT * FROM ({sql}) v WHERE v.quantity <> 0"
    return sql, params


def _run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connections[get_current_tenant().alias].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _value_row(row: Sequence[Any]) -> dict[str, Any]:
    keys = [c.key for c in VALUE_COLUMNS]
    out = dict(zip(keys, row, strict=True))
    out["category"] = out["category"] or ""
    return out


def stock_value_report(
    filters: StockValueFilters, *, offset: int = 0, limit: int | None = None
) -> Result:
    sql, params = _value_sql(filters)
    summary = _run(
        f"WITH v AS ({sql}) SELECT (SELECT count(*) FROM v), (SELECT COALESCE(SUM(value), 0) "
        f"FROM v), category, SUM(value) FROM v GROUP BY category ORDER BY SUM(value) DESC",
        params,
    )
    total_rows = summary[0][0] if summary else 0
    total_value = summary[0][1] if summary else Decimal("0.00")
    page_sql = f"{sql} ORDER BY 1, 4 OFFSET %s" + (" LIMIT %s" if limit is not None else "")
    page_params = [*params, offset] + ([limit] if limit is not None else [])
    rows = [_value_row(row) for row in _run(page_sql, page_params)]
    chart = [
        ChartPoint(key=cat or "", label=cat or _("No category"), value=value or Decimal(0))
        for _n, _t, cat, value in summary[:CHART_BARS]
    ]
    table = Table(VALUE_COLUMNS, rows, total_rows, totals={"value": total_value})
    return Result(table=table, chart=chart, chart_kind="rows", chart_value="money",
                  chart_title=gettext_lazy("Stock value by category"))  # fmt: skip


def stock_value_export(filters: StockValueFilters) -> Export:
    sql, params = _value_sql(filters)

    def rows() -> Iterator[Sequence[Any]]:
        yield from stream(f"{sql} ORDER BY 1, 4", params)

    def count() -> int:
        return int(_run(f"SELECT count(*) FROM ({sql}) c", params)[0][0])

    return Export(name="stock-value", columns=VALUE_COLUMNS, count=count, rows=rows)


# --- low stock ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LowStockFilters:
    warehouse: Any = None
    category: str = ""


LOW_COLUMNS = [
    Column("product_code", gettext_lazy("Code")),
    Column("product_name", gettext_lazy("Product")),
    Column("warehouse", gettext_lazy("Warehouse")),
    Column("on_hand", gettext_lazy("On hand"), "quantity"),
    Column("reserved", gettext_lazy("Reserved"), "quantity"),
    Column("available", gettext_lazy("Available"), "quantity"),
    Column("threshold", gettext_lazy("Threshold"), "quantity"),
    Column("shortfall", gettext_lazy("Short by"), "quantity"),
    Column("unit", gettext_lazy("Unit")),
    Column("cover", gettext_lazy("Available of threshold %"), "percent"),
]


def _low_levels(filters: LowStockFilters) -> QuerySet[StockLevel]:
    levels = StockLevel.objects.filter(low_stock_threshold__gt=ZERO).annotate(
        avail=ExpressionWrapper(F("on_hand") - F("reserved"), output_field=StockLevel.on_hand.field)
    )
    levels = levels.filter(avail__lt=F("low_stock_threshold"))
    if filters.warehouse:
        levels = levels.filter(warehouse_id=filters.warehouse)
    if filters.category:
        levels = levels.filter(product__category=filters.category)
    return (
        levels.annotate(
            cover=ExpressionWrapper(
                F("avail") * 100 / F("low_stock_threshold"), output_field=StockLevel.on_hand.field
            )
        )
        .select_related("product", "warehouse")
        .order_by("cover", "product__code", "warehouse__code")
    )


def _low_row(level: StockLevel) -> dict[str, Any]:
    available = level.on_hand - level.reserved
    return {
        "product_code": level.product.code,
        "product_name": level.product.name,
        "warehouse": f"{level.warehouse.code} {level.warehouse.name}",
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "available": available,
        "threshold": level.low_stock_threshold,
        "shortfall": level.low_stock_threshold - available,
        "unit": level.product.unit,
        "cover": percent(max(available, Decimal(0)), level.low_stock_threshold),
    }


def low_stock_report(
    filters: LowStockFilters, *, offset: int = 0, limit: int | None = None
) -> Result:
    levels = _low_levels(filters)
    total = levels.count()
    page = levels[offset : offset + limit] if limit is not None else levels[offset:]
    rows = [_low_row(level) for level in page]
    chart = [
        ChartPoint(key=row["product_code"], label=f"{row['product_code']} {row['product_name']}",
                   caption=row["product_code"], value=row["cover"] or Decimal(0))
        for row in (rows if offset == 0 else [_low_row(lv) for lv in levels[:CHART_BARS]])[
            :CHART_BARS
        ]
    ]  # fmt: skip
    title = gettext_lazy("Available stock as a share of its threshold")
    return Result(table=Table(LOW_COLUMNS, rows, total), chart=chart, chart_kind="rows",
                  chart_value="percent", chart_title=title)  # fmt: skip


def low_stock_export(filters: LowStockFilters) -> Export:
    keys = [c.key for c in LOW_COLUMNS]

    def rows() -> Iterator[Sequence[Any]]:
        for level in _low_levels(filters).iterator(chunk_size=2000):
            row = _low_row(level)
            yield [row[k] for k in keys]

    return Export(name="low-stock", columns=LOW_COLUMNS,
                  count=lambda: _low_levels(filters).count(), rows=rows)  # fmt: skip
