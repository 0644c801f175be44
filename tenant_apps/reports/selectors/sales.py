"""Sales: revenue and order count per day, week or month, optionally per group.

What counts (docs/reports.md): every order **created** in the range -- its day is the
tenant's day of `created_at`, as on the dashboard -- that is **not cancelled**, whatever
else its status (new, confirmed, in progress, shipped, delivered), at its totals. A
cancelled order counts nowhere; cancelling it later takes it out of its period.

Per customer and per staff member (the order's "handled by") the figures are the
orders' totals. Per product and per category they are the order lines' totals (one
order's lines may belong to several groups, so its "orders" count in each); an order's
VAT is rounded per rate on the whole document, so summed line VAT may differ from the
orders' VAT by a grosz or so.

One statement answers a page: GROUPING SETS give the (period, group) rows, each period's
subtotal (the chart) and the grand total (the totals row) from a single pass over the
rows, and a window function cuts the page while counting all rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenant_apps.reports.periods import DateRange, tenant_zone
from tenant_apps.reports.sql import fetch, prefer_hash_aggregation, stream
from tenant_apps.reports.tables import ChartPoint, Column, Export, Result, Table
from tenant_apps.sales.models import Order, OrderLine

ZERO = Decimal("0.00")
CANCELLED = Order.Status.CANCELLED
GROUPS = {
    "customer": gettext_lazy("Customer"),
    "product": gettext_lazy("Product"),
    "category": gettext_lazy("Category"),
    "staff": gettext_lazy("Staff member"),
}
LINE_GROUPS = frozenset({"product", "category"})

# The counted orders of the range, each with its period (computed once per order).
_ORDERS = (
    "(SELECT id, customer_id, user_id, total_net, total_vat, total_gross, "
    "date_trunc(%s, created_at AT TIME ZONE %s)::date AS period FROM orders "
    "WHERE created_at >= %s AND created_at < %s AND status <> %s) o"
)
_LINES = f"order_lines l JOIN {_ORDERS} ON o.id = l.order_id"


@dataclass(frozen=True, slots=True)
class _Grouping:
    source: str  # FROM
    key: str  # what rows are grouped by
    join: str  # how a group's name is found after aggregating (alias g: the group row)
    label: str


_GROUPINGS = {
    "": _Grouping(_ORDERS, "NULL::text", "", "NULL"),
    "customer": _Grouping(
        _ORDERS, "o.customer_id", "LEFT JOIN customers c ON c.id = g.key",
        "COALESCE(NULLIF(c.company_name, ''), c.name)",
    ),
    "staff": _Grouping(_ORDERS, "o.user_id", "LEFT JOIN users u ON u.id = g.key", "u.name"),
    "product": _Grouping(
        _LINES, "l.product_id", "LEFT JOIN products p ON p.id = g.key", "p.code || ' ' || p.name"
    ),
    "category": _Grouping(
        f"{_LINES} LEFT JOIN products p ON p.id = l.product_id",
        # Lines without a product and products without a category: one "No category".
        "COALESCE(p.category, '')", "", "g.key",
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SalesFilters:
    range: DateRange
    grain: str = "day"
    group_by: str = ""  # "" or a key of GROUPS


def counted_orders(dates: DateRange) -> QuerySet[Order]:
    """The orders the rules count (for the rankings, which read through the ORM)."""
    return Order.objects.filter(created_at__gte=dates.since, created_at__lt=dates.until).exclude(
        status=CANCELLED
    )


def counted_lines(dates: DateRange) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(
        order__created_at__gte=dates.since, order__created_at__lt=dates.until
    ).exclude(order__status=CANCELLED)


def _groups(filters: SalesFilters) -> tuple[str, list[Any]]:
    """The (period, group) rows: one aggregation, hashed, over the orders or lines."""
    grouping = _GROUPINGS[filters.group_by]
    lines = filters.group_by in LINE_GROUPS
    money = "l" if lines else "o"
    quantity = "sum(l.quantity)" if lines else "NULL::numeric"
    sql = (
        f"SELECT o.period, {grouping.key} AS key, count(*) AS n, sum({money}.total_net) AS net, "
        f"sum({money}.total_vat) AS vat, sum({money}.total_gross) AS gross, "
        f"{quantity} AS quantity FROM {grouping.source} GROUP BY 1, 2"
    )
    params = [filters.grain, str(tenant_zone()), filters.range.since, filters.range.until,
              CANCELLED]  # fmt: skip
    return sql, params


# Biggest first within a period; the key breaks ties, so pages never overlap.
_ORDER = "g.period, g.gross DESC, g.key"
_NAMED = "g.period, g.key::text, {label} AS label, g.n, g.net, g.vat, g.gross, g.quantity"


def _page_sql(filters: SalesFilters) -> tuple[str, list[Any]]:
    """Rows (level, period, key, label, n, net, vat, gross, quantity, total, rn): level 0
    a (period, group) row of the page, 1 a period's total, 3 the grand total; `total` is
    how many level-0 rows there are in all. The aggregation runs once (MATERIALIZED)."""
    grouping = _GROUPINGS[filters.group_by]
    groups, params = _groups(filters)
    named = _NAMED.format(label=grouping.label)
    sums = "sum(g.n)::bigint, sum(g.net), sum(g.vat), sum(g.gross), sum(g.quantity)"
    sql = (
        f"WITH agg AS MATERIALIZED ({groups}), "
        f"ranked AS (SELECT *, count(*) OVER () AS total, "
        f"row_number() OVER (ORDER BY {_ORDER.replace('g.', '')}) AS rn FROM agg) "
        f"SELECT 0, {named}, g.total, g.rn FROM ranked g {grouping.join} "
        f"WHERE g.rn > %s AND g.rn <= %s "
        f"UNION ALL SELECT 1, g.period, NULL, NULL, {sums}, NULL, NULL "
        f"FROM agg g GROUP BY g.period "
        f"UNION ALL SELECT 3, NULL, NULL, NULL, {sums}, NULL, NULL FROM agg g"
    )
    return sql, params


def _label(key: Any, label: Any, group_by: str) -> str:
    if group_by == "product":
        return label if key is not None else _("Lines without a product")
    if group_by == "category":
        return label or _("No category")
    if group_by == "staff":
        return label or _("Nobody")
    return label or ""


def columns(filters: SalesFilters) -> list[Column]:
    out = [Column("period", gettext_lazy("Period"), "date")]
    if filters.group_by:
        out.append(Column("group_label", GROUPS[filters.group_by]))
    # A product's or category's figures come from order lines, and so does its count.
    counted = gettext_lazy("Order lines") if filters.group_by in LINE_GROUPS else None
    out.append(Column("orders", counted or gettext_lazy("Orders"), "count"))
    if filters.group_by == "product":
        out.append(Column("quantity", gettext_lazy("Quantity"), "quantity"))
    out += [
        Column("net", gettext_lazy("Net"), "money"),
        Column("vat", gettext_lazy("VAT"), "money"),
        Column("gross", gettext_lazy("Gross"), "money"),
    ]
    return out


def _row(filters: SalesFilters, raw: Sequence[Any]) -> dict[str, Any]:
    """A row of the table from (level, period, key, label, n, net, vat, gross, quantity)."""
    _level, period, key, label, n, net, vat, gross, quantity = raw[:9]
    out: dict[str, Any] = {
        "period": period,
        "period_label": filters.range.period_label(period, filters.grain) if period else "",
        "orders": n or 0,
        "net": net if net is not None else ZERO,
        "vat": vat if vat is not None else ZERO,
        "gross": gross if gross is not None else ZERO,
    }
    if filters.group_by:
        out["group"] = key
        out["group_label"] = _label(key, label, filters.group_by)
    if filters.group_by == "product":
        out["quantity"] = quantity if quantity is not None else Decimal(0)
    return out


def _empty(first: Any) -> tuple[Any, ...]:
    return (1, first, None, None, 0, ZERO, ZERO, ZERO, None)


def sales_report(filters: SalesFilters, *, offset: int = 0, limit: int | None = None) -> Result:
    sql, params = _page_sql(filters)
    end = offset + limit if limit is not None else 2**62
    # Ungrouped, the periods are the rows (made below, gaps included): no level-0 page.
    first, last = (offset, end) if filters.group_by else (0, 0)
    if filters.group_by in LINE_GROUPS:
        prefer_hash_aggregation()
    raw = fetch(sql, [*params, first, last])
    detail = sorted((r for r in raw if r[0] == 0), key=lambda r: r[10])
    subtotals = {r[1]: _row(filters, r) for r in raw if r[0] == 1}
    grand = next((_row(filters, r) for r in raw if r[0] == 3), _row(filters, _empty(None)))
    periods = list(filters.range.periods(filters.grain))
    chart = [
        ChartPoint(key=first, label=filters.range.period_label(first, filters.grain),
                   value=subtotals[first]["gross"] if first in subtotals else ZERO)
        for first in periods
    ]  # fmt: skip
    if filters.group_by:
        total_rows = int(detail[0][9]) if detail else _group_count(filters, offset, raw)
        rows = [_row(filters, r) for r in detail]
    else:
        # Every period, those without an order as zeros: a gap is a figure too.
        total_rows = len(periods)
        window = periods[offset:end]
        rows = [subtotals.get(day) or _row(filters, _empty(day)) for day in window]
    totals = {key: grand[key] for key in ("orders", "net", "vat", "gross")}
    table = Table(columns(filters), rows, total_rows, totals=totals)
    return Result(table=table, chart=chart, chart_kind="columns", chart_value="money",
                  chart_title=gettext_lazy("Gross revenue per period"))  # fmt: skip


def _group_count(filters: SalesFilters, offset: int, raw: Sequence[Any]) -> int:
    """How many rows there are when the page came back empty (a page past the end)."""
    if offset == 0 or not raw:
        return 0
    groups, params = _groups(filters)
    return int(fetch(f"SELECT count(*) FROM ({groups}) g", params)[0][0])


def sales_export(filters: SalesFilters) -> Export:
    cols = columns(filters)
    keys = [c.key for c in cols]
    grouping = _GROUPINGS[filters.group_by]
    groups, params = _groups(filters)

    def rows() -> Iterator[Sequence[Any]]:
        if filters.group_by:
            named = _NAMED.format(label=grouping.label)
            ordered = f"SELECT 0, {named} FROM ({groups}) g {grouping.join} ORDER BY {_ORDER}"
            if filters.group_by in LINE_GROUPS:
                prefer_hash_aggregation()
            for raw in stream(ordered, params):
                out = _row(filters, raw)
                yield [out[k] for k in keys]
            return
        per_period = {r[0]: (1, r[0], r[1], None, *r[2:]) for r in fetch(groups, params)}
        for first in filters.range.periods(filters.grain):
            out = _row(filters, per_period.get(first) or _empty(first))
            yield [out[k] for k in keys]

    def count() -> int:
        if filters.group_by:
            return int(fetch(f"SELECT count(*) FROM ({groups}) g", params)[0][0])
        return sum(1 for _ in filters.range.periods(filters.grain))

    return Export(name="sales", columns=cols, count=count, rows=rows)


# --- the order lines behind the figures ---------------------------------------------------

LINE_COLUMNS = [
    Column("day", gettext_lazy("Date"), "date"),
    Column("order", gettext_lazy("Order")),
    Column("status", gettext_lazy("Status")),
    Column("customer", gettext_lazy("Customer")),
    Column("product_code", gettext_lazy("Product code")),
    Column("description", gettext_lazy("Description")),
    Column("category", gettext_lazy("Category")),
    Column("quantity", gettext_lazy("Quantity"), "quantity"),
    Column("unit", gettext_lazy("Unit")),
    Column("unit_price", gettext_lazy("Unit net price"), "money"),
    Column("discount", gettext_lazy("Discount %"), "percent"),
    Column("vat_rate", gettext_lazy("VAT rate")),
    Column("net", gettext_lazy("Net"), "money"),
    Column("vat", gettext_lazy("VAT"), "money"),
    Column("gross", gettext_lazy("Gross"), "money"),
    Column("handled_by", gettext_lazy("Handled by")),
]


def _lines_sql(dates: DateRange) -> tuple[str, list[Any]]:
    sql = (
        "SELECT (o.created_at AT TIME ZONE %s)::date, o.number, o.status, "
        "COALESCE(NULLIF(c.company_name, ''), c.name), p.code, l.description, p.category, "
        "l.quantity, l.unit, l.unit_price, l.discount, l.vat_rate, l.total_net, l.total_vat, "
        "l.total_gross, u.name "
        "FROM order_lines l JOIN orders o ON o.id = l.order_id "
        "JOIN customers c ON c.id = o.customer_id "
        "LEFT JOIN products p ON p.id = l.product_id LEFT JOIN users u ON u.id = o.user_id "
        "WHERE o.created_at >= %s AND o.created_at < %s AND o.status <> %s"
    )
    return sql, [str(tenant_zone()), dates.since, dates.until, CANCELLED]


def sales_lines_export(dates: DateRange) -> Export:
    """Every counted order line of the range, oldest order first (the figures' detail)."""
    statuses = dict(Order.Status.choices)
    sql, params = _lines_sql(dates)

    def rows() -> Iterator[Sequence[Any]]:
        ordered = f"{sql} ORDER BY o.created_at, o.number, l.position"
        for raw in stream(ordered, params):
            values = list(raw)
            values[2] = statuses.get(values[2], values[2])
            yield values

    def count() -> int:
        return int(fetch(f"SELECT count(*) FROM ({sql}) c", params)[0][0])

    return Export(name="sales-lines", columns=LINE_COLUMNS, count=count, rows=rows)
