"""Every figure of the reports equals the same figure computed here, in Python, from the
orders, quotes and movements themselves (not from SQL): the days are the tenant's days
in Europe/Warsaw, found with zoneinfo, around both DST changes of 2026 and a month and
week boundary, and a cancelled order counts nowhere.

The rows are written through the services, then moved back in time with an UPDATE (the
stock ledger refuses UPDATE: its trigger is switched off inside the test's transaction,
which rolls back with everything else).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.http import QueryDict
from django.utils import timezone

from dockpulse.actors import SYSTEM, staff_actor
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import customer_create
from tenant_apps.products.inputs import product_input
from tenant_apps.products.models import Product
from tenant_apps.products.services import product_create
from tenant_apps.reports.registry import REPORTS, report_run
from tenant_apps.reports.sql import report_session
from tenant_apps.reports.tables import Result
from tenant_apps.sales import services as sales
from tenant_apps.sales.inputs import order_input, quote_input
from tenant_apps.sales.models import Order, Quote
from tenant_apps.stock import services as stock
from tenant_apps.stock.inputs import warehouse_input
from tenant_apps.stock.models import StockLevel, StockMovement
from tests.support import handle, staff_user

pytestmark = pytest.mark.django_db(databases="__all__")

WARSAW = ZoneInfo("Europe/Warsaw")
ZERO = Decimal("0.00")
D = dt.date


def totals_of(table: Any) -> dict[str, Any]:
    assert table.totals is not None, "the table has a totals row"
    return dict(table.totals)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


# --- the independent computation -------------------------------------------------------


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(WARSAW).date()


def first_day(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return day - dt.timedelta(days=day.isoweekday() - 1)
    if grain == "month":
        return D(day.year, day.month, 1)
    return day


def periods(start: dt.date, end: dt.date, grain: str) -> list[dt.date]:
    """Every period touching [start, end], by walking the days (no date arithmetic
    shared with the product)."""
    out: list[dt.date] = []
    day = start
    while day <= end:
        first = first_day(day, grain)
        if not out or out[-1] != first:
            out.append(first)
        day += dt.timedelta(days=1)
    return out


def run(tenant: Any, name: str, **query: Any) -> Result:
    """The report as the page and the API run it: the form reads the query string."""
    report = REPORTS[name]
    with tenant_context(tenant):
        form = report.form(QueryDict(urlencode({k: str(v) for k, v in query.items()})))
        assert form.is_valid(), form.errors
        return report_run(report, form.filters())


def pages(tenant: Any, name: str, size: int, **query: Any) -> Iterator[Result]:
    report = REPORTS[name]
    with tenant_context(tenant):
        form = report.form(QueryDict(urlencode({k: str(v) for k, v in query.items()})))
        assert form.is_valid(), form.errors
        offset = 0
        while True:
            result = report_run(report, form.filters(), offset=offset, limit=size)
            yield result
            offset += size
            if offset >= result.table.total_rows:
                return


# --- the seeded tenant -------------------------------------------------------------------


def _product(code: str, price: str, vat: str, category: str, unit: str = "szt") -> Product:
    return product_create(
        values=product_input({"code": code, "name": f"Product {code}", "price": price,
                              "vat_rate": vat, "unit": unit, "category": category}),
        actor=SYSTEM,
    )  # fmt: skip


def _customer(name: str, phone: str, company: str = "") -> Customer:
    return customer_create(
        values=customer_input({"name": name, "phone": phone, "company_name": company}),
        actor=SYSTEM,
    )


@pytest.fixture
def warsaw(tenant_a: Any) -> Any:
    # Tenants are made in Europe/Warsaw unless told otherwise (platform_app provisioning).
    assert tenant_a.time_zone == "Europe/Warsaw"
    return tenant_a


# (when, customer, staff, lines as (product code or None for a plain line, quantity),
#  moves after "new"); every moment is a minute either side of a Warsaw midnight.
ORDERS: list[tuple[dt.datetime, str, str, list[tuple[str | None, str]], list[str]]] = [
    (utc(2026, 3, 27, 22, 59), "anna", "", [("T1", "1")], []),  # 27.03 23:59 CET
    (utc(2026, 3, 27, 23, 0), "bolt", "manager", [("T1", "2"), ("P1", "3")], ["confirmed"]),
    (utc(2026, 3, 28, 22, 59), "anna", "employee", [("P1", "1.5")], []),  # 28.03 23:59
    (utc(2026, 3, 28, 23, 0), "celina", "manager", [("T2", "1"), (None, "4")], []),  # 29.03 0:00
    (utc(2026, 3, 29, 10, 0), "bolt", "manager", [("T1", "50")], ["confirmed", "cancelled"]),
    (utc(2026, 3, 29, 21, 59), "bolt", "", [("P2", "7")], ["confirmed", "in_progress"]),  # CEST
    (utc(2026, 3, 29, 22, 0), "anna", "employee", [("T1", "1"), ("T2", "2")], []),  # 30.03 Mon
    (utc(2026, 3, 31, 21, 59), "celina", "", [("P1", "2")], []),  # 31.03 23:59
    (utc(2026, 3, 31, 22, 0), "celina", "manager", [("P2", "1")], []),  # 1.04 0:00
    (utc(2026, 10, 24, 21, 59), "anna", "manager", [("T2", "3")], []),  # 24.10 23:59 CEST
    (utc(2026, 10, 24, 22, 0), "bolt", "employee", [("T1", "1"), ("P1", "1")], []),  # 25.10 0:00
    (utc(2026, 10, 25, 22, 59), "anna", "", [("P2", "0.5"), (None, "1")], []),  # 25.10 23:59 CET
    (utc(2026, 10, 25, 23, 0), "celina", "employee", [("T1", "4")], []),  # 26.10 0:00 Mon
    (utc(2026, 10, 31, 22, 59), "bolt", "manager", [("P1", "1")], []),  # 31.10 23:59
    (utc(2026, 10, 31, 23, 0), "anna", "", [("T2", "1")], []),  # 1.11 0:00
]


@pytest.fixture
def orders(warsaw: Any) -> dict[str, Any]:
    tenant = warsaw
    users = {role: staff_user(tenant, role) for role in ("manager", "employee")}
    with tenant_context(tenant):
        products = {
            "T1": _product("T1", "19.99", "23", "Tools"),
            "T2": _product("T2", "7.33", "8", "Tools"),
            "P1": _product("P1", "4.10", "5", "Paint", unit="kg"),
            "P2": _product("P2", "123.45", "zw", "Paint", unit="l"),
        }
        customers = {
            "anna": _customer("Anna Kowalska", "601 234 567"),
            "bolt": _customer("Jan Nowak", "602 345 678", company="Bolt Sp. z o.o."),
            "celina": _customer("Celina Wiśniewska", "603 456 789"),
        }
        made: list[Order] = []
        for when, who, staff, lines, moves in ORDERS:
            body = [
                {"product": products[code].id, "quantity": qty} if code
                else {"description": "Assembly", "quantity": qty, "unit_price": "12.5"}
                for code, qty in lines
            ]  # fmt: skip
            actor = staff_actor(users[staff]) if staff else SYSTEM
            order = sales.order_create(
                values=order_input({"customer": customers[who].id, "lines": body}), actor=actor
            )
            for to in moves:
                order = sales.order_transition(order=order, to=to, actor=SYSTEM)
            Order.objects.filter(pk=order.pk).update(created_at=when)
            made.append(order)
        cancelled = Order.objects.get(pk=made[4].pk)
        assert cancelled.status == Order.Status.CANCELLED
    return {"products": products, "customers": customers, "users": users, "orders": made}


def counted_orders(tenant: Any) -> list[dict[str, Any]]:
    """Every order of the tenant as plain values, with its lines and its local day."""
    with tenant_context(tenant):
        out = []
        for order in Order.objects.prefetch_related("lines__product").select_related("customer"):
            out.append({
                "id": order.pk, "status": order.status, "day": local_day(order.created_at),
                "customer": order.customer_id,
                "customer_name": order.customer.company_name or order.customer.name,
                "staff": order.assigned_to_id, "net": order.total_net, "vat": order.total_vat,
                "gross": order.total_gross,
                "lines": [{"product": line.product_id,
                           "product_label": f"{line.product.code} {line.product.name}"
                           if line.product else None,
                           "category": line.product.category if line.product else "",
                           "quantity": line.quantity, "net": line.total_net,
                           "vat": line.total_vat, "gross": line.total_gross}
                          for line in order.lines.all()],
            })  # fmt: skip
        return out


def expected_sales(
    tenant: Any, start: dt.date, end: dt.date, grain: str, group_by: str
) -> tuple[dict[tuple[Any, Any], dict[str, Any]], dict[dt.date, Decimal], dict[str, Any]]:
    """(period, group) -> figures; period -> gross (the chart); the totals."""
    rows: dict[tuple[Any, Any], dict[str, Any]] = defaultdict(
        lambda: {"orders": 0, "net": ZERO, "vat": ZERO, "gross": ZERO, "quantity": Decimal(0)}
    )
    chart: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    totals: dict[str, Any] = {"orders": 0, "net": ZERO, "vat": ZERO, "gross": ZERO}
    for order in counted_orders(tenant):
        if order["status"] == Order.Status.CANCELLED or not start <= order["day"] <= end:
            continue
        period = first_day(order["day"], grain)
        if group_by in ("product", "category"):
            items = [(line[group_by], line) for line in order["lines"]]
        else:
            key = {"": None, "customer": order["customer"], "staff": order["staff"]}[group_by]
            items = [(key, order)]
        for key, item in items:
            # A group's key comes back as text (one column for ids and categories alike).
            row = rows[(period, None if key is None else str(key))]
            row["orders"] += 1
            for figure in ("net", "vat", "gross"):
                row[figure] += item[figure]
                totals[figure] += item[figure]
            row["quantity"] += item.get("quantity") or 0
            totals["orders"] += 1
            chart[period] += item["gross"]
    return dict(rows), dict(chart), totals


def test_the_days_are_warsaw_days(orders, warsaw):
    """The independent computation itself, checked by hand against the moments above."""
    rows, _chart, totals = expected_sales(warsaw, D(2026, 3, 27), D(2026, 4, 2), "day", "")
    count = {period: row["orders"] for (period, _key), row in rows.items()}
    # 28.03: 23:00 UTC of the 27th and 22:59 UTC of the 28th (CET, UTC+1).
    # 29.03 (23 hours long): 23:00 UTC of the 28th and 21:59 UTC (CEST); the cancelled
    # one of 10:00 UTC is not there.
    assert count == {D(2026, 3, 27): 1, D(2026, 3, 28): 2, D(2026, 3, 29): 2,
                     D(2026, 3, 30): 1, D(2026, 3, 31): 1, D(2026, 4, 1): 1}  # fmt: skip
    assert totals["orders"] == 8
    rows, _chart, _totals = expected_sales(warsaw, D(2026, 10, 24), D(2026, 10, 26), "day", "")
    count = {period: row["orders"] for (period, _key), row in rows.items()}
    # 25.10 (25 hours long): 22:00 UTC of the 24th (CEST) to 22:59 UTC of the 25th (CET).
    assert count == {D(2026, 10, 24): 1, D(2026, 10, 25): 2, D(2026, 10, 26): 1}


RANGES = [
    (D(2026, 3, 28), D(2026, 4, 1)),  # spring DST, a week's and a month's boundary
    (D(2026, 3, 29), D(2026, 3, 29)),  # the 23-hour day alone
    (D(2026, 10, 24), D(2026, 10, 26)),  # autumn DST: the 25-hour day
    (D(2026, 3, 1), D(2026, 11, 30)),  # the whole story, months and weeks
]


def _money(value: Any) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize("dates", RANGES, ids=lambda r: f"{r[0]}..{r[1]}")
def test_sales_per_period_equals_the_orders(orders, warsaw, dates, grain):
    start, end = dates
    rows, chart, totals = expected_sales(warsaw, start, end, grain, "")
    result = run(warsaw, "sales", date_from=start, date_to=end, grain=grain)
    table = result.table
    every = periods(start, end, grain)
    # Ungrouped, every period is a row, those without an order as zeros.
    assert [row["period"] for row in table.rows] == every
    assert table.total_rows == len(every)
    for row in table.rows:
        want = rows.get((row["period"], None), {"orders": 0, "net": ZERO, "vat": ZERO,
                                                "gross": ZERO})  # fmt: skip
        got = {k: row[k] for k in ("orders", "net", "vat", "gross")}
        assert got == {k: want[k] for k in got}, row["period"]
    assert table.totals == totals
    assert [(p.key, p.value) for p in result.chart] == [(p, chart.get(p, ZERO)) for p in every]
    assert totals["orders"] > 0 or start == end


GROUP_LABELS = {"product": "Lines without a product", "category": "No category",
                "staff": "Nobody"}  # fmt: skip


@pytest.mark.parametrize("group_by", ["customer", "product", "category", "staff"])
@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize("dates", RANGES, ids=lambda r: f"{r[0]}..{r[1]}")
def test_sales_per_group_equals_the_orders(orders, warsaw, dates, grain, group_by):
    start, end = dates
    rows, chart, totals = expected_sales(warsaw, start, end, grain, group_by)
    result = run(warsaw, "sales", date_from=start, date_to=end, grain=grain, group_by=group_by)
    table = result.table
    got = {(row["period"], row["group"]): row for row in table.rows}
    assert len(got) == len(table.rows) == table.total_rows
    assert set(got) == set(rows)
    for key, want in rows.items():
        row = got[key]
        figures = ["orders", "net", "vat", "gross"] + (
            ["quantity"] if group_by == "product" else []
        )
        assert {k: row[k] for k in figures} == {k: want[k] for k in figures}, key
    # Within a period, the biggest first.
    order = [(row["period"], -row["gross"]) for row in table.rows]
    assert order == sorted(order)
    assert table.totals == totals
    every = periods(start, end, grain)
    assert [(p.key, p.value) for p in result.chart] == [(p, chart.get(p, ZERO)) for p in every]
    # Names: the group's own, or what stands for none.
    names = _group_names(warsaw, orders, group_by)
    for (_period, key), row in got.items():
        assert row["group_label"] == names.get(key, GROUP_LABELS.get(group_by)), key
    assert all(row["group_label"] for row in table.rows)


def _group_names(tenant: Any, world: dict[str, Any], group_by: str) -> dict[Any, str]:
    if group_by == "customer":
        return {str(c.pk): c.company_name or c.name for c in world["customers"].values()}
    if group_by == "staff":
        return {str(u.pk): u.name for u in world["users"].values()}
    if group_by == "product":
        return {str(p.pk): f"{p.code} {p.name}" for p in world["products"].values()}
    return {p.category: p.category for p in world["products"].values()}


@pytest.mark.parametrize("group_by", ["customer", "product"])
def test_sales_pages_add_up_to_the_whole(orders, warsaw, group_by):
    query = {"date_from": D(2026, 3, 1), "date_to": D(2026, 11, 30), "grain": "week",
             "group_by": group_by}  # fmt: skip
    whole = run(warsaw, "sales", **query).table
    paged = [row for result in pages(warsaw, "sales", 3, **query) for row in result.table.rows]
    assert paged == whole.rows
    assert len(paged) == whole.total_rows > 3


def test_a_cancelled_order_counts_nowhere(orders, warsaw):
    """Cancelling an order later takes it out of its day, in every grouping."""
    day = {"date_from": D(2026, 3, 29), "date_to": D(2026, 3, 29)}
    groupings = ("", "customer", "product", "category", "staff")
    before = {g: totals_of(run(warsaw, "sales", **day, group_by=g).table) for g in groupings}
    big = orders["orders"][5]  # 29.03 23:59, in progress: counted until now
    with tenant_context(warsaw):
        sales.order_transition(order=Order.objects.get(pk=big.pk), to="cancelled", actor=SYSTEM)
        order = Order.objects.get(pk=big.pk)
        lines = list(order.lines.all())
    for group_by in groupings:
        after = totals_of(run(warsaw, "sales", **day, group_by=group_by).table)
        gone = (
            (len(lines), sum(x.total_gross for x in lines))
            if group_by in ("product", "category")
            else (1, order.total_gross)
        )
        assert (
            before[group_by]["orders"] - after["orders"],
            before[group_by]["gross"] - after["gross"],
        ) == gone, group_by


def test_no_category_is_one_row(orders, warsaw):
    with tenant_context(warsaw):
        plain = _product("N1", "1.00", "23", "")
        order = sales.order_create(
            values=order_input({"customer": orders["customers"]["anna"].id,
                                "lines": [{"product": plain.id, "quantity": "1"}]}),
            actor=SYSTEM,
        )  # fmt: skip
        Order.objects.filter(pk=order.pk).update(created_at=utc(2026, 10, 25, 12, 0))
    table = run(warsaw, "sales", date_from=D(2026, 10, 25), date_to=D(2026, 10, 25),
                group_by="category").table  # fmt: skip
    labels = [row["group_label"] for row in table.rows]
    assert labels.count("No category") == 1, labels


# --- rankings -----------------------------------------------------------------------------


def test_top_customers_equal_the_orders(orders, warsaw):
    start, end = D(2026, 3, 1), D(2026, 10, 31)
    per: dict[Any, dict[str, Any]] = {}
    whole = ZERO
    for order in counted_orders(warsaw):
        if order["status"] == Order.Status.CANCELLED or not start <= order["day"] <= end:
            continue
        row = per.setdefault(
            order["customer"],
            {
                "customer": order["customer_name"],
                "orders": 0,
                "net": ZERO,
                "gross": ZERO,
                "last": order["day"],
            },
        )
        row["orders"] += 1
        row["net"] += order["net"]
        row["gross"] += order["gross"]
        row["last"] = max(row["last"], order["day"])
        whole += order["gross"]
    ranked = sorted(per.items(), key=lambda kv: (-kv[1]["gross"], kv[1]["customer"]))
    result = run(warsaw, "top-customers", date_from=start, date_to=end, limit=2)
    rows = result.table.rows
    assert [r["customer_id"] for r in rows] == [key for key, _v in ranked[:2]]
    for n, (row, (_key, want)) in enumerate(zip(rows, ranked, strict=False), start=1):
        assert row["rank"] == n
        assert (row["orders"], row["net"], row["gross"], row["last_order"]) == (
            want["orders"],
            want["net"],
            want["gross"],
            want["last"],
        )
        assert abs(
            Fraction(row["share"]) - Fraction(want["gross"] * 100) / Fraction(whole)
        ) <= Fraction(1, 20)
    assert totals_of(result.table)["gross"] == sum(w["gross"] for _k, w in ranked[:2])
    assert [p.value for p in result.chart] == [w["gross"] for _k, w in ranked[:2]]
    # The last order is a Warsaw day: Celina's of 25.10 23:00 UTC is the 26th.
    everyone = run(warsaw, "top-customers", date_from=start, date_to=end).table.rows
    celina = orders["customers"]["celina"].pk
    assert next(r for r in everyone if r["customer_id"] == celina)["last_order"] == D(2026, 10, 26)


@pytest.mark.parametrize("by", ["gross", "quantity"])
@pytest.mark.parametrize("category", ["", "Paint"])
def test_top_products_equal_the_lines(orders, warsaw, by, category):
    start, end = D(2026, 3, 28), D(2026, 10, 26)
    per: dict[Any, dict[str, Any]] = {}
    for order in counted_orders(warsaw):
        if order["status"] == Order.Status.CANCELLED or not start <= order["day"] <= end:
            continue
        for line in order["lines"]:
            if line["product"] is None or (category and line["category"] != category):
                continue
            row = per.setdefault(
                line["product"],
                {
                    "orders": set(),
                    "quantity": Decimal(0),
                    "net": ZERO,
                    "gross": ZERO,
                    "label": line["product_label"],
                },
            )
            row["orders"].add(order["id"])
            row["quantity"] += line["quantity"]
            row["net"] += line["net"]
            row["gross"] += line["gross"]
    ranked = sorted(per.items(), key=lambda kv: (-kv[1][by], kv[1]["label"]))
    result = run(warsaw, "top-products", date_from=start, date_to=end, by=by, category=category)
    rows = result.table.rows
    assert [r["product_id"] for r in rows] == [key for key, _v in ranked]
    for row, (_key, want) in zip(rows, ranked, strict=True):
        assert (row["orders"], row["quantity"], row["net"], row["gross"]) == (
            len(want["orders"]),
            want["quantity"],
            want["net"],
            want["gross"],
        )
    assert sum((r["share"] for r in rows), Decimal(0)) == pytest.approx(
        Decimal(100), abs=Decimal("0.3")
    )
    assert [p.value for p in result.chart] == [w[by] for _k, w in ranked]


# --- the quote funnel ---------------------------------------------------------------------

# (created at, what happens to it, the rejection reason)
QUOTES = [
    (utc(2026, 3, 27, 23, 0), "accepted", ""),  # 28.03 0:00
    (utc(2026, 3, 28, 22, 59), "rejected", "Too expensive"),  # 28.03 23:59
    (utc(2026, 3, 28, 23, 0), "rejected", "  too EXPENSIVE"),  # 29.03 0:00
    (utc(2026, 3, 29, 21, 59), "expired", ""),  # 29.03 23:59 CEST
    (utc(2026, 3, 29, 22, 0), "draft", ""),  # 30.03 0:00
    (utc(2026, 3, 30, 8, 0), "sent", ""),
    (utc(2026, 3, 31, 22, 0), "rejected", ""),  # 1.04: no reason given
    (utc(2026, 10, 24, 21, 59), "accepted", ""),  # 24.10 23:59
    (utc(2026, 10, 24, 22, 0), "rejected", "Bought elsewhere"),  # 25.10 0:00
    (utc(2026, 10, 25, 22, 59), "accepted", ""),  # 25.10 23:59 CET
    (utc(2026, 10, 25, 23, 0), "sent", ""),  # 26.10
]


@pytest.fixture
def quotes(warsaw: Any) -> list[Quote]:
    manager = staff_actor(staff_user(warsaw, "manager"))
    made = []
    with tenant_context(warsaw):
        customer = _customer("Zofia Quote", "604 111 222")
        for when, fate, reason in QUOTES:
            quote = sales.quote_create(
                values=quote_input({"customer": customer.id, "lines": [
                    {"description": "Work", "quantity": "3", "unit_price": "99.99"}]}),
                actor=manager,
            )  # fmt: skip
            if fate != "draft":
                quote = sales.quote_send(quote=quote, actor=SYSTEM, email=False).quote
            if fate == "accepted":
                quote = sales.quote_accept(quote=quote, actor=manager, convert=False)
            elif fate == "rejected":
                quote = sales.quote_reject(quote=quote, actor=manager, reason=reason)
            elif fate == "expired":
                Quote.objects.filter(pk=quote.pk).update(valid_until=D(2026, 4, 1))
            Quote.objects.filter(pk=quote.pk).update(created_at=when)
            made.append(quote)
        assert sales.quotes_expire() == 1
    return made


FUNNEL_RANGES = [(D(2026, 3, 28), D(2026, 4, 1)), (D(2026, 10, 24), D(2026, 10, 26)),
                 (D(2026, 3, 1), D(2026, 10, 31))]  # fmt: skip


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize("dates", FUNNEL_RANGES, ids=lambda r: f"{r[0]}..{r[1]}")
def test_the_funnel_equals_the_quotes(quotes, warsaw, dates, grain):
    start, end = dates
    with tenant_context(warsaw):
        rows = [(local_day(q.created_at), q.status, q.rejection_reason, q.total_net)
                for q in Quote.objects.all()]  # fmt: skip
    keys = ("created", "sent", "open", "accepted", "rejected", "expired")
    want: dict[dt.date, dict[str, Any]] = {
        p: dict.fromkeys(keys, 0) | {"accepted_net": ZERO} for p in periods(start, end, grain)
    }
    reasons: dict[str, int] = defaultdict(int)
    for day, status, reason, net in rows:
        if not start <= day <= end:
            continue
        row = want[first_day(day, grain)]
        row["created"] += 1
        row["sent"] += status != "draft"
        row["open"] += status == "sent"
        if status in ("accepted", "rejected", "expired"):
            row[status] += 1
        if status == "accepted":
            row["accepted_net"] += net
        if status == "rejected":
            reasons[reason.strip(" ").lower()] += 1
    result = run(warsaw, "funnel", date_from=start, date_to=end, grain=grain)
    table = result.table
    assert [r["period"] for r in table.rows] == list(want)
    for row in table.rows:
        expected = want[row["period"]]
        assert {k: row[k] for k in (*keys, "accepted_net")} == {
            k: expected[k] for k in (*keys, "accepted_net")
        }, row["period"]
        _conversion(row["conversion"], expected["accepted"], expected["sent"])
    totals = {k: sum(w[k] for w in want.values()) for k in keys}
    assert {k: totals_of(table)[k] for k in keys} == totals
    _conversion(totals_of(table)["conversion"], totals["accepted"], totals["sent"])
    assert {p.key: p.value for p in result.chart} == {
        k: totals[k] for k in ("created", "sent", "accepted", "rejected", "expired")
    }
    (why,) = result.more
    got = {(r["reason"].lower() if r["reason"] != "No reason given" else ""): r["quotes"]
           for r in why.rows}  # fmt: skip
    assert got == dict(reasons)
    assert why.totals == {"quotes": totals["rejected"]}
    for row in why.rows:
        assert abs(
            Fraction(row["share"]) - Fraction(row["quotes"] * 100, totals["rejected"])
        ) <= Fraction(1, 20)


def _conversion(value: Decimal | None, accepted: int, sent: int) -> None:
    if not sent:
        assert value is None
        return
    assert value is not None
    assert abs(Fraction(value) - Fraction(accepted * 100, sent)) <= Fraction(1, 20)


def test_the_funnel_of_march_by_hand(quotes, warsaw):
    table = run(warsaw, "funnel", date_from=D(2026, 3, 28), date_to=D(2026, 4, 1),
                grain="day").table  # fmt: skip
    by_day = {r["period"]: (r["created"], r["accepted"], r["rejected"], r["expired"])
              for r in table.rows}  # fmt: skip
    assert by_day == {D(2026, 3, 28): (2, 1, 1, 0), D(2026, 3, 29): (2, 0, 1, 1),
                      D(2026, 3, 30): (2, 0, 0, 0), D(2026, 3, 31): (0, 0, 0, 0),
                      D(2026, 4, 1): (1, 0, 1, 0)}  # fmt: skip
    reasons = run(warsaw, "funnel", date_from=D(2026, 3, 28), date_to=D(2026, 4, 1)).more[0]
    assert [(r["reason"].lower(), r["quotes"], r["share"]) for r in reasons.rows] == [
        ("too expensive", 2, Decimal("66.7")),
        ("no reason given", 1, Decimal("33.3")),
    ]


# --- stock value --------------------------------------------------------------------------

# (when, product, warehouse, signed change); receipts when positive.
MOVES = [
    (utc(2026, 10, 23, 9, 0), "S1", "MAIN", "10"),
    (utc(2026, 10, 24, 21, 59), "S2", "MAIN", "2.5"),  # 24.10 23:59 CEST
    (utc(2026, 10, 24, 22, 0), "S1", "MAIN", "-2.5"),  # 25.10 0:00
    (utc(2026, 10, 24, 22, 0), "S1", "WEST", "4"),
    (utc(2026, 10, 25, 22, 59), "S3", "WEST", "1"),  # 25.10 23:59 CET
    (utc(2026, 10, 25, 23, 0), "S3", "WEST", "-1"),  # 26.10 0:00: back to zero
    (utc(2026, 10, 25, 23, 0), "S2", "WEST", "0.333"),
    (None, "S2", "MAIN", "1"),  # today: not backdated
]


@pytest.fixture
def movements(warsaw: Any) -> dict[str, Any]:
    with tenant_context(warsaw):
        products = {
            "S1": _product("S1", "12.34", "23", "Tools", unit="m"),
            "S2": _product("S2", "0.05", "23", "Parts", unit="kg"),
            "S3": _product("S3", "100.00", "8", "Tools"),
        }
        houses = {
            "MAIN": stock.warehouse_default(),
            "WEST": stock.warehouse_create(
                values=warehouse_input({"code": "WEST", "name": "West"}), actor=SYSTEM
            ),
        }
        dated: list[tuple[Any, dt.datetime]] = []
        for when, code, house, change in MOVES:
            quantity = Decimal(change)
            if quantity > 0:
                made = stock.stock_receive(
                    product=products[code],
                    warehouse=houses[house],
                    quantity=quantity,
                    reason="delivery",
                    actor=SYSTEM,
                )
            else:
                made = stock.stock_adjust(
                    product=products[code],
                    warehouse=houses[house],
                    quantity=quantity,
                    reason="stocktake",
                    actor=SYSTEM,
                )
            if when is not None:
                dated.append((made.pk, when))
        _backdate(warsaw, dated)
    return {"products": products, "warehouses": houses}


def _backdate(tenant: Any, moves: list[tuple[Any, dt.datetime]]) -> None:
    """The ledger refuses UPDATE (its trigger): off for this transaction's UPDATE only."""
    table = StockMovement._meta.db_table
    with connections[tenant.alias].cursor() as cursor:
        # ALTER TABLE waits for no deferred foreign-key check of this transaction: run them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER stock_movements_append_only")
        for pk, when in moves:
            cursor.execute(f"UPDATE {table} SET created_at = %s WHERE id = %s", [when, pk])
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER stock_movements_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def expected_stock(tenant: Any, as_of: dt.date) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(product code, warehouse code) -> (quantity, value) at the end of `as_of`."""
    with tenant_context(tenant):
        quantity: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        price: dict[tuple[str, str], Decimal] = {}
        for m in StockMovement.objects.select_related(
            "stock_level__product", "stock_level__warehouse"
        ):
            key = (m.stock_level.product.code, m.stock_level.warehouse.code)
            price[key] = m.stock_level.product.price
            # Every level the ledger knows, at zero before its first movement.
            quantity[key] += m.on_hand_change if local_day(m.created_at) <= as_of else 0
    return {
        key: (qty, (qty * price[key]).quantize(Decimal("0.01"), ROUND_HALF_UP))
        for key, qty in quantity.items()
    }


def _stock_rows(result: Result) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    return {
        (row["product_code"], row["warehouse"].split(" ")[0]): (row["quantity"], row["value"])
        for row in result.table.rows
    }


STOCK_DAYS = [D(2026, 10, 1), D(2026, 10, 23), D(2026, 10, 24), D(2026, 10, 25),
              D(2026, 10, 26), D(2026, 12, 1)]  # fmt: skip


@pytest.mark.parametrize("as_of", [*STOCK_DAYS, None], ids=str)
def test_stock_value_equals_the_ledger(movements, warsaw, as_of):
    with tenant_context(warsaw):
        today = timezone.localdate(timezone=WARSAW)
    day = as_of or today
    want = {k: v for k, v in expected_stock(warsaw, day).items() if v[0] != 0}
    query = {"as_of": as_of} if as_of else {}
    result = run(warsaw, "stock-value", **query)
    assert _stock_rows(result) == want
    assert result.table.total_rows == len(want)
    assert result.table.totals == {"value": sum((v for _q, v in want.values()), ZERO)}
    per_category: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for (code, _house), (_qty, value) in want.items():
        per_category[movements["products"][code].category] += value
    assert {p.key: p.value for p in result.chart} == dict(per_category)
    values = [p.value for p in result.chart]
    assert values == sorted(values, reverse=True)
    # With zero quantities: every level, also those whose goods came later or are gone.
    every = run(warsaw, "stock-value", **query, include_zero="on")
    assert _stock_rows(every) == expected_stock(warsaw, day)


def test_stock_value_by_hand_around_the_autumn_change(movements, warsaw):
    def at(day: dt.date) -> dict[tuple[str, str], Decimal]:
        return {k: q for k, (q, _v) in _stock_rows(run(warsaw, "stock-value", as_of=day)).items()}

    assert at(D(2026, 10, 24)) == {("S1", "MAIN"): Decimal("10"), ("S2", "MAIN"): Decimal("2.5")}
    # 25.10 begins at 22:00 UTC of the 24th (CEST) and ends at 23:00 UTC of the 25th (CET).
    assert at(D(2026, 10, 25)) == {
        ("S1", "MAIN"): Decimal("7.5"),
        ("S2", "MAIN"): Decimal("2.5"),
        ("S1", "WEST"): Decimal("4"),
        ("S3", "WEST"): Decimal("1"),
    }
    assert at(D(2026, 10, 26)) == {
        ("S1", "MAIN"): Decimal("7.5"),
        ("S2", "MAIN"): Decimal("2.5"),
        ("S1", "WEST"): Decimal("4"),
        ("S2", "WEST"): Decimal("0.333"),
    }
    values = _stock_rows(run(warsaw, "stock-value", as_of=D(2026, 10, 26)))
    # 0.333 kg at 0.05 = 0.01665: rounded to the grosz.
    assert values[("S2", "WEST")] == (Decimal("0.333"), Decimal("0.02"))
    assert values[("S1", "MAIN")] == (Decimal("7.5"), Decimal("92.55"))


@pytest.mark.parametrize("category", ["", "Tools"])
def test_stock_value_filters(movements, warsaw, category):
    west = movements["warehouses"]["WEST"]
    day = D(2026, 10, 25)
    want = {
        k: v for k, v in expected_stock(warsaw, day).items()
        if v[0] != 0 and k[1] == "WEST"
        and (not category or movements["products"][k[0]].category == category)
    }  # fmt: skip
    result = run(warsaw, "stock-value", as_of=day, warehouse=west.pk, category=category)
    assert _stock_rows(result) == want
    assert result.table.totals == {"value": sum((v for _q, v in want.values()), ZERO)}


# --- low stock ----------------------------------------------------------------------------


def test_low_stock_equals_the_levels(movements, warsaw, orders):
    products, houses = movements["products"], movements["warehouses"]
    with tenant_context(warsaw):
        for code, house, threshold in (("S1", "MAIN", "8"), ("S2", "MAIN", "4"),
                                       ("S1", "WEST", "4"), ("S3", "WEST", "1")):  # fmt: skip
            level = StockLevel.objects.get(product=products[code], warehouse=houses[house])
            stock.stock_level_update(
                level=level, low_stock_threshold=Decimal(threshold), actor=SYSTEM
            )
        # An order of 2 S1 reserves them (stock's handler, as the bus runs it): 7.5 - 2 < 8;
        # S1 in WEST is at its threshold exactly (not below it), S3 in WEST at zero.
        order = sales.order_create(
            values=order_input({"customer": orders["customers"]["anna"].id,
                                "lines": [{"product": products["S1"].id, "quantity": "2"}]}),
            actor=SYSTEM,
        )  # fmt: skip
    handle(warsaw, order)
    with tenant_context(warsaw):
        want = {}
        for level in StockLevel.objects.select_related("product", "warehouse"):
            available = level.on_hand - level.reserved
            if level.low_stock_threshold > 0 and available < level.low_stock_threshold:
                want[(level.product.code, level.warehouse.code)] = (
                    level.on_hand,
                    level.reserved,
                    available,
                    level.low_stock_threshold - available,
                    Fraction(max(available, Decimal(0)) * 100)
                    / Fraction(level.low_stock_threshold),
                )
    assert set(want) == {("S1", "MAIN"), ("S2", "MAIN"), ("S3", "WEST")}
    assert want[("S1", "MAIN")][:3] == (Decimal("7.5"), Decimal("2"), Decimal("5.5"))
    result = run(warsaw, "low-stock")
    got = {(r["product_code"], r["warehouse"].split(" ")[0]): r for r in result.table.rows}
    assert set(got) == set(want)
    for key, (on_hand, reserved, available, short, cover) in want.items():
        row = got[key]
        assert (row["on_hand"], row["reserved"], row["available"], row["shortfall"]) == (
            on_hand,
            reserved,
            available,
            short,
        ), key
        assert abs(Fraction(row["cover"]) - cover) <= Fraction(1, 20), key
    covers = [Fraction(r["cover"]) for r in result.table.rows]
    assert covers == sorted(covers)  # the emptiest first
    tools = run(warsaw, "low-stock", category="Tools", warehouse=houses["WEST"].pk).table.rows
    assert [(r["product_code"], r["warehouse"].split(" ")[0]) for r in tools] == [("S3", "WEST")]


# --- the exports are the reports' rows ------------------------------------------------------


EXPORTS = [
    pytest.param(
        "sales", {"date_from": D(2026, 3, 1), "date_to": D(2026, 11, 30)},
        id="sales",
    ),
    pytest.param("sales", {"date_from": D(2026, 3, 1), "date_to": D(2026, 11, 30),
                           "grain": "week", "group_by": "customer"}, id="sales-customer"),
    pytest.param("sales", {"date_from": D(2026, 3, 1), "date_to": D(2026, 11, 30),
                           "grain": "month", "group_by": "product"}, id="sales-product"),
    pytest.param("funnel", {"date_from": D(2026, 3, 1), "date_to": D(2026, 10, 31),
                            "grain": "week"}, id="funnel"),
    pytest.param("stock-value", {"as_of": D(2026, 10, 25)}, id="stock-value"),
    pytest.param("stock-value", {}, id="stock-value-today"),
    pytest.param("low-stock", {}, id="low-stock"),
    pytest.param("top-customers", {"date_from": D(2026, 3, 1), "date_to": D(2026, 11, 30)},
                 id="top-customers"),
    pytest.param("top-products", {"date_from": D(2026, 3, 1), "date_to": D(2026, 11, 30),
                                  "by": "quantity"}, id="top-products"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "query"), EXPORTS)
def test_an_export_has_the_report_rows(orders, quotes, movements, warsaw, name, query):
    report = REPORTS[name]
    with tenant_context(warsaw):
        level = StockLevel.objects.get(product__code="S1", warehouse__code="MAIN")
        stock.stock_level_update(level=level, low_stock_threshold=Decimal(50), actor=SYSTEM)
        form = report.form(QueryDict(urlencode({k: str(v) for k, v in query.items()})))
        assert form.is_valid(), form.errors
        filters = form.filters()
        table = report_run(report, filters).table
        export = report.export(filters)
        with report_session():
            count = export.count()
            rows = [list(row) for row in export.rows()]
    assert [c.key for c in export.columns] == [c.key for c in table.columns]
    assert rows == [[row[c.key] for c in table.columns] for row in table.rows]
    assert count == len(rows) == table.total_rows > 0


def test_the_order_lines_export_has_every_counted_line(orders, warsaw):
    start, end = D(2026, 3, 28), D(2026, 10, 26)
    want = sorted(
        (order["day"], line["gross"])
        for order in counted_orders(warsaw)
        if order["status"] != Order.Status.CANCELLED and start <= order["day"] <= end
        for line in order["lines"]
    )
    report = REPORTS["sales"]
    with tenant_context(warsaw):
        form = report.form(QueryDict(f"date_from={start}&date_to={end}"))
        assert form.is_valid()
        assert report.lines is not None
        export = report.lines(form.filters())
        with report_session():
            keys = [c.key for c in export.columns]
            rows = [dict(zip(keys, row, strict=True)) for row in export.rows()]
            count = export.count()
    assert sorted((row["day"], row["gross"]) for row in rows) == want
    assert count == len(want)
    assert [row["day"] for row in rows] == sorted(row["day"] for row in rows)
    assert "Cancelled" not in {row["status"] for row in rows}
