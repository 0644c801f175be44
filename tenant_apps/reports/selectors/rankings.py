"""Top customers and top products over a date range, by the sales report's rules (orders
created in the range, cancelled ones excluded; products from the order lines)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenant_apps.reports.periods import DateRange, tenant_zone
from tenant_apps.reports.sql import fetch
from tenant_apps.reports.tables import ChartPoint, Column, Export, Result, Table, percent

from .sales import CANCELLED, counted_lines, counted_orders

CHART_BARS = 10


@dataclass(frozen=True, slots=True)
class TopFilters:
    range: DateRange
    limit: int = 20
    by: str = "gross"  # products: "gross" or "quantity"
    category: str = ""


CUSTOMER_COLUMNS = [
    Column("rank", gettext_lazy("#"), "count"),
    Column("customer", gettext_lazy("Customer")),
    Column("orders", gettext_lazy("Orders"), "count"),
    Column("net", gettext_lazy("Net"), "money"),
    Column("gross", gettext_lazy("Gross"), "money"),
    Column("share", gettext_lazy("Share of gross %"), "percent"),
    Column("last_order", gettext_lazy("Last order"), "date"),
]
PRODUCT_COLUMNS = [
    Column("rank", gettext_lazy("#"), "count"),
    Column("product_code", gettext_lazy("Code")),
    Column("product_name", gettext_lazy("Product")),
    Column("category", gettext_lazy("Category")),
    Column("orders", gettext_lazy("Orders"), "count"),
    Column("quantity", gettext_lazy("Quantity"), "quantity"),
    Column("unit", gettext_lazy("Unit")),
    Column("net", gettext_lazy("Net"), "money"),
    Column("gross", gettext_lazy("Gross"), "money"),
    Column("share", gettext_lazy("Share of gross %"), "percent"),
]


def _customers(filters: TopFilters) -> QuerySet[Any]:
    return (
        counted_orders(filters.range)
        .order_by()
        .values("customer_id")
        .annotate(
            customer=Coalesce(NullIf("customer__company_name", Value("")), "customer__name"),
            orders=Count("id"),
            net=Sum("total_net"),
            gross=Sum("total_gross"),
            last=Max("created_at"),
        )
        .order_by("-gross", "customer", "customer_id")
    )


def _products(filters: TopFilters) -> tuple[list[dict[str, Any]], Decimal]:
    """The top `limit` products and the gross of every counted product line (the shares'
    whole), in one statement. Ranking needs only sums (one hashed pass over the lines);
    the orders each top product was in are then counted for those few products alone,
    through the lines' product index, rather than a DISTINCT over every line."""
    dates = filters.range
    window = [dates.since, dates.until, CANCELLED]
    category = "AND p.category = %s" if filters.category else ""
    ranked_by = "quantity" if filters.by == "quantity" else "gross"
    sql = (
        "WITH agg AS (SELECT l.product_id, sum(l.quantity) AS quantity, "
        "sum(l.total_net) AS net, sum(l.total_gross) AS gross FROM order_lines l "
        "JOIN orders o ON o.id = l.order_id "
        "WHERE o.created_at >= %s AND o.created_at < %s AND o.status <> %s "
        "AND l.product_id IS NOT NULL GROUP BY 1), "
        "ranked AS (SELECT agg.*, p.code, p.name, p.category, p.unit, "
        "sum(agg.gross) OVER () AS whole FROM agg JOIN products p ON p.id = agg.product_id "
        f"WHERE TRUE {category} ORDER BY {ranked_by} DESC, p.code, agg.product_id LIMIT %s) "
        "SELECT r.product_id, r.code, r.name, r.category, r.unit, "
        "(SELECT count(DISTINCT l2.order_id) FROM order_lines l2 JOIN orders o2 "
        "ON o2.id = l2.order_id AND o2.created_at >= %s AND o2.created_at < %s "
        "AND o2.status <> %s WHERE l2.product_id = r.product_id) AS orders, "
        f"r.quantity, r.net, r.gross, r.whole FROM ranked r "
        f"ORDER BY r.{ranked_by} DESC, r.code, r.product_id"
    )
    params = [*window, *([filters.category] if filters.category else []), filters.limit, *window]
    keys = ("product_id", "product_code", "product_name", "category", "unit", "orders",
            "quantity", "net", "gross")  # fmt: skip
    raw = fetch(sql, params)
    whole = raw[0][-1] if raw else None
    if whole is None:
        whole = _gross_total(filters, products=True)  # nothing ranked: no window to read
    return [dict(zip(keys, row[:-1], strict=True)) for row in raw], whole


def _gross_total(filters: TopFilters, *, products: bool) -> Decimal:
    if products:
        lines = counted_lines(filters.range).filter(product__isnull=False)
        if filters.category:
            lines = lines.filter(product__category=filters.category)
        total = lines.order_by().aggregate(g=Sum("total_gross"))["g"]
    else:
        total = counted_orders(filters.range).order_by().aggregate(g=Sum("total_gross"))["g"]
    return total or Decimal("0.00")


def _customer_rows(filters: TopFilters, whole: Decimal) -> list[dict[str, Any]]:
    zone = tenant_zone()
    return [
        {
            "rank": n,
            "customer_id": row["customer_id"],
            "customer": row["customer"],
            "orders": row["orders"],
            "net": row["net"],
            "gross": row["gross"],
            "share": percent(row["gross"], whole),
            "last_order": timezone.localtime(row["last"], zone).date(),
        }
        for n, row in enumerate(_customers(filters)[: filters.limit], start=1)
    ]


def _product_rows(filters: TopFilters) -> tuple[list[dict[str, Any]], Decimal]:
    ranked, whole = _products(filters)
    rows = [
        {**row, "rank": n, "category": row["category"] or "", "share": percent(row["gross"], whole)}
        for n, row in enumerate(ranked, start=1)
    ]
    return rows, whole


def _totals(rows: list[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    return {key: sum((row[key] for row in rows), Decimal(0) if key != "orders" else 0)
            for key in keys}  # fmt: skip


def top_customers_report(filters: TopFilters, **_page: Any) -> Result:
    whole = _gross_total(filters, products=False)
    rows = _customer_rows(filters, whole)
    totals = _totals(rows, ("net", "gross"))
    totals["share"] = percent(totals["gross"], whole)
    chart = [ChartPoint(key=r["customer_id"], label=r["customer"], value=r["gross"])
             for r in rows[:CHART_BARS]]  # fmt: skip
    return Result(
        table=Table(CUSTOMER_COLUMNS, rows, len(rows), totals=totals,
                    title=_("The top %(count)d together") % {"count": len(rows)}),
        chart=chart, chart_kind="rows", chart_value="money",
        chart_title=gettext_lazy("Gross revenue of the top customers"),
    )  # fmt: skip


def top_products_report(filters: TopFilters, **_page: Any) -> Result:
    rows, whole = _product_rows(filters)
    totals = _totals(rows, ("net", "gross"))
    totals["share"] = percent(totals["gross"], whole)
    by_quantity = filters.by == "quantity"
    chart = [
        ChartPoint(key=r["product_id"], label=f"{r['product_code']} {r['product_name']}",
                   caption=r["product_code"], value=r["quantity"] if by_quantity else r["gross"])
        for r in rows[:CHART_BARS]
    ]  # fmt: skip
    return Result(
        table=Table(PRODUCT_COLUMNS, rows, len(rows), totals=totals,
                    title=_("The top %(count)d together") % {"count": len(rows)}),
        chart=chart, chart_kind="rows", chart_value="quantity" if by_quantity else "money",
        chart_title=gettext_lazy("Quantity sold of the top products") if by_quantity
        else gettext_lazy("Gross revenue of the top products"),
    )  # fmt: skip


def _export(name: str, columns: list[Column], build: Any) -> Export:
    """A ranking's file: its rows (at most its limit, a few hundred), as the page has them."""
    keys = [c.key for c in columns]

    def rows() -> Iterator[Sequence[Any]]:
        for row in build():
            yield [row[k] for k in keys]

    return Export(name=name, columns=columns, count=lambda: len(build()), rows=rows)


def top_customers_export(filters: TopFilters) -> Export:
    return _export(
        "top-customers",
        CUSTOMER_COLUMNS,
        lambda: _customer_rows(filters, _gross_total(filters, products=False)),
    )


def top_products_export(filters: TopFilters) -> Export:
    return _export("top-products", PRODUCT_COLUMNS, lambda: _product_rows(filters)[0])
