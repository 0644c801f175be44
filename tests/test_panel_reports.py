"""The reports' pages in the staff panel: the index per role, each report's page with real
data (orders, quotes and stock made through the services) showing the figure a user
checks, the table's totals and pages, dates in the tenant's zone and Polish formats, bad
filters on their fields, the role and module rules, and tenant isolation."""

from __future__ import annotations

import datetime as dt
import html as markup
import re
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dockpulse.actors import SYSTEM
from dockpulse.tenancy import tenant_context
from tenant_apps.reports.periods import tenant_today
from tenant_apps.reports.registry import REPORTS
from tenant_apps.sales import services as sales
from tenant_apps.sales.models import Order
from tenant_apps.stock import services as stock_services
from tests import factories as f
from tests.support import (
    field_errors,
    host_of,
    html,
    level_of,
    make_order,
    move,
    panel_client,
    receive,
    seed,
)

pytestmark = pytest.mark.django_db(databases="__all__")

PAGES = [f"/reports/{name}/" for name in REPORTS]
EXPORTS = [f"/reports/{name}/export.csv" for name in REPORTS]


# --- reading the page ----------------------------------------------------------------------


def _text(fragment: str) -> str:
    plain = markup.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("\xa0", " ")
    return " ".join(plain.split())


def _cells(row: str) -> list[str]:
    """A row's texts, a cell spanning columns once per column."""
    out = []
    for attrs, content in re.findall(r"<t[dh]([^>]*)>(.*?)</t[dh]>", row, re.S):
        span = re.search(r'colspan="(\d+)"', attrs)
        out += [_text(content)] * (int(span.group(1)) if span else 1)
    return out


def tables(page: str) -> list[str]:
    return re.findall(r'<table class="report-table">.*?</table>', page, re.S)


def body_rows(page: str, which: int = 0) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", tables(page)[which], re.S)
    assert body
    return [_cells(r) for r in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)]


def header(page: str, which: int = 0) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", tables(page)[which], re.S)
    assert head
    return _cells(head.group(1))


def totals(page: str, which: int = 0) -> dict[str, str]:
    """The totals row, by column heading."""
    foot = re.search(r"<tfoot>(.*?)</tfoot>", tables(page)[which], re.S)
    assert foot, "no totals row"
    return dict(zip(header(page, which), _cells(foot.group(1)), strict=True))


def column(page: str, name: str, which: int = 0) -> list[str]:
    index = header(page, which).index(name)
    return [row[index] for row in body_rows(page, which)]


def listed(index: str) -> list[str]:
    """The reports the index links to, in order."""
    return re.findall(r'<h2><a href="/reports/([a-z-]+)/">', index)


def gross_of(tenant: Any, *orders: Order) -> D:
    with tenant_context(tenant):
        return sum((Order.objects.get(pk=o.pk).total_gross for o in orders), D(0))


def today(tenant: Any) -> dt.date:
    with tenant_context(tenant):
        return tenant_today()


def shop(tenant: Any) -> dict[str, Any]:
    """Seed data and three orders: two counted, one cancelled (the rule says: not counted)."""
    data = seed(tenant)
    first = make_order(tenant, data, (data["P1"], "2"))
    second = make_order(tenant, data, (data["P2"], "2.5"))
    cancelled = move(tenant, make_order(tenant, data, (data["P1"], "100")), "cancelled")
    return {**data, "orders": [first, second], "cancelled": cancelled}


# --- the index -------------------------------------------------------------------------------


def test_the_index_lists_the_reports_a_manager_may_open(tenant_a):
    page = html(panel_client(tenant_a, "manager").get("/reports/"))
    for report in REPORTS.values():
        assert f'href="/reports/{report.name}/"' in page, report.name
        assert markup.escape(str(report.label)) in page
        assert markup.escape(str(report.description)) in page
    assert 'href="/reports/exports/"' in page


def test_an_employee_sees_only_low_stock_on_the_index_and_is_refused_the_others(tenant_a):
    client = panel_client(tenant_a, "employee")
    page = html(client.get("/reports/"))
    assert listed(page) == ["low-stock"]
    assert client.get("/reports/low-stock/").status_code == 200
    for url in PAGES:
        if url != "/reports/low-stock/":
            assert client.get(url).status_code == 403, url
    manager = panel_client(tenant_a, "manager")
    for url in PAGES:
        assert manager.get(url).status_code == 200, url


# --- sales -----------------------------------------------------------------------------------


def test_sales_shows_the_gross_of_the_counted_orders_and_leaves_out_the_cancelled(tenant_a):
    data = shop(tenant_a)
    page = html(panel_client(tenant_a, "manager").get("/reports/sales/"))
    counted = gross_of(tenant_a, *data["orders"])
    assert counted == D("59.94")  # 2 x 19.99 + 23 % VAT, and 2.5 kg x 4.10 + 5 % VAT
    sums = totals(page)
    assert sums["Gross"] == "PLN 59.94"
    assert sums["Orders"] == "2"
    assert sums["Net"] == "PLN 50.23" and sums["VAT"] == "PLN 9.71"
    assert sums["Period"] == "Total"
    # Thirty days, one row each (gaps as zeros), today's holding both orders.
    rows = body_rows(page)
    assert len(rows) == 30
    assert rows[-1][0] == today(tenant_a).isoformat()  # English dates: 2026-12-03
    assert rows[-1][1:] == ["2", "PLN 50.23", "PLN 9.71", "PLN 59.94"]
    assert rows[0][1:] == ["0", "PLN 0.00", "PLN 0.00", "PLN 0.00"]
    # The counting rule under the title; numbers right-aligned; the chart drawn.
    assert "Orders created in the range, cancelled ones excluded" in page
    assert '<th scope="col" class="num">Gross</th>' in page
    assert '<svg class="chart"' in page and "Gross revenue per period" in page
    # A GET form with a button (no JavaScript needed); a choice also submits it at once.
    assert re.search(r'<form id="report-filters"[^>]*method="get"', page)
    assert re.search(r'<select name="grain" data-autosubmit="" id="id_grain">', page)
    date_input = re.search(r"<input[^>]*date_from[^>]*>", page)
    assert date_input is not None and 'type="date" name="date_from"' in page
    assert "data-autosubmit" not in date_input.group(0)
    # The export links carry the same filters.
    assert 'href="/reports/sales/export.csv"' in page
    assert 'href="/reports/sales/export.xlsx"' in page
    assert 'href="/reports/sales/export.csv?what=lines"' in page


def test_sales_per_week_grouped_by_product(tenant_a):
    data = shop(tenant_a)
    make_order(tenant_a, data, (data["P1"], "1"), (data["P3"], "10"))
    client = panel_client(tenant_a, "manager")
    response = client.get("/reports/sales/", {"grain": "week", "group_by": "product"})
    page = html(response)
    assert header(page) == ["Period", "Product", "Order lines", "Quantity", "Net", "VAT", "Gross"]
    rows = body_rows(page)
    by_product = {row[1]: row for row in rows}
    assert set(by_product) == {"P1 Product P1", "P2 Product P2", "P3 Product P3"}
    assert by_product["P1 Product P1"][2:4] == ["2", "3"]  # two lines, 2 + 1 pieces
    assert by_product["P2 Product P2"][3] == "2.5"
    # A week's row names the week, cut to the range: "2026-11-30\u20132026-12-03".
    assert all("\u2013" in row[0] for row in rows)
    # Only the columns the totals have: no quantity total across units.
    assert totals(page)["Quantity"] == ""
    assert totals(page)["Order lines"] == "4"
    # Links keep the filters: export and the order lines.
    assert "export.csv?grain=week&amp;group_by=product" in page
    assert "export.xlsx?grain=week&amp;group_by=product&amp;what=lines" in page


def test_a_tenant_day_is_the_warsaw_day_not_the_utc_day(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    # 23:30 UTC on 15 November is 00:30 on the 16th in Warsaw.
    with tenant_context(tenant_a):
        Order.objects.filter(pk=order.pk).update(
            created_at=dt.datetime(2026, 11, 15, 23, 30, tzinfo=dt.UTC)
        )
    page = html(panel_client(tenant_a, "manager").get(
        "/reports/sales/", {"date_from": "2026-11-14", "date_to": "2026-11-17"}))  # fmt: skip
    orders = dict(zip(column(page, "Period"), column(page, "Orders"), strict=True))
    assert orders == {"2026-11-14": "0", "2026-11-15": "0", "2026-11-16": "1", "2026-11-17": "0"}
    assert "From 2026-11-14 to 2026-11-17" in _text(page)
    assert "Europe/Warsaw" in page


def test_sales_pages_a_long_table_by_a_hundred_rows(tenant_a):
    client = panel_client(tenant_a, "manager")
    start = (today(tenant_a) - dt.timedelta(days=149)).isoformat()
    first = html(client.get("/reports/sales/", {"date_from": start}))
    assert len(body_rows(first)) == 100
    assert body_rows(first)[0][0] == start
    assert "1\u2013100 of 150" in _text(first)
    assert f'href="?date_from={start}&amp;page=2"' in first
    second = html(client.get("/reports/sales/", {"date_from": start, "page": "2"}))
    rows = body_rows(second)
    assert len(rows) == 50 and rows[-1][0] == today(tenant_a).isoformat()
    assert "101\u2013150 of 150" in _text(second)
    # Totals are of every row, on every page.
    assert totals(second)["Orders"] == totals(first)["Orders"]
    # Past the end: the last page; not a number: the first.
    assert body_rows(html(client.get("/reports/sales/", {"date_from": start, "page": "9"}))) == rows
    nonsense = html(client.get("/reports/sales/", {"date_from": start, "page": "x"}))
    assert body_rows(nonsense)[0][0] == start


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "2026-12-02", "date_to": "2026-12-01"}, "date_to",
         "The end of the range is before its start."),
        ({"date_from": "yesterday"}, "date_from", "Enter a valid date."),
        ({"grain": "year"}, "grain", "Select a valid choice."),
        ({"date_from": "2000-01-01", "date_to": "2026-01-01"}, "date_from",
         "A report covers at most ten years."),
    ],
)  # fmt: skip
def test_bad_filters_come_back_on_their_field_without_figures(tenant_a, query, field, message):
    response = panel_client(tenant_a, "manager").get("/reports/sales/", query)
    assert response.status_code == 400
    page = html(response)
    assert message in field_errors(page, field)
    assert tables(page) == [] and "export.csv" not in page
    assert 'id="report-filters"' in page


def test_other_reports_reject_bad_filters_too(tenant_a):
    client = panel_client(tenant_a, "manager")
    later = (today(tenant_a) + dt.timedelta(days=1)).isoformat()
    page = html(client.get("/reports/stock-value/", {"as_of": later}))
    assert "Stock is known up to today" in field_errors(page, "as_of")
    page = html(client.get("/reports/top-customers/", {"limit": "0"}))
    assert "greater than or equal to 1" in field_errors(page, "limit")
    page = html(client.get("/reports/low-stock/", {"warehouse": "nope"}))
    assert "Select a valid choice." in field_errors(page, "warehouse")


# --- the other reports -------------------------------------------------------------------------


def test_funnel_counts_quotes_by_how_far_they_got_and_lists_the_reasons(tenant_a):
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        quotes = [f.QuoteFactory.create(customer=data["customer"]) for _ in range(4)]
        for quote in quotes[:3]:
            sales.quote_send(quote=quote, actor=SYSTEM, email=False)
        sales.quote_accept(quote=quotes[0], actor=SYSTEM, convert=False)
        sales.quote_reject(quote=quotes[1], actor=SYSTEM, reason="Too expensive")
    page = html(panel_client(tenant_a, "manager").get("/reports/funnel/"))
    sums = totals(page)
    assert [sums[k] for k in ("Created", "Sent", "Waiting", "Accepted", "Rejected", "Expired")] == [
        "4", "3", "1", "1", "1", "0"
    ]  # fmt: skip
    assert sums["Conversion %"] == "33.3"
    assert sums["Accepted, net"] == "PLN 10.00"
    assert "Why quotes were rejected" in page
    assert body_rows(page, 1) == [["Too expensive", "1", "100.0"]]
    assert '<svg class="chart rows"' in page
    # The form shows what the figures are: the funnel's default weeks and 90 days.
    assert '<option value="week" selected>Week</option>' in page
    start = (today(tenant_a) - dt.timedelta(days=89)).isoformat()
    assert f'name="date_from" value="{start}"' in page


def test_a_rate_of_nothing_is_a_dash_not_zero(tenant_a):
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        f.QuoteFactory.create(customer=data["customer"])  # a draft: nothing sent
    page = html(panel_client(tenant_a, "manager").get("/reports/funnel/"))
    assert totals(page)["Conversion %"] == "\u2014"
    assert totals(page)["Created"] == "1"


def test_stock_value_today_and_on_a_past_day(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "10")
    receive(tenant_a, data["P2"], "2.5")
    client = panel_client(tenant_a, "manager")
    page = html(client.get("/reports/stock-value/"))
    assert column(page, "Code") == ["P1", "P2"]
    assert column(page, "Quantity") == ["10", "2.5"]
    assert column(page, "Value, net") == ["PLN 199.90", "PLN 10.25"]
    assert totals(page)["Value, net"] == "PLN 210.15"
    yesterday = (today(tenant_a) - dt.timedelta(days=1)).isoformat()
    before = html(client.get("/reports/stock-value/", {"as_of": yesterday}))
    assert "Nothing to show for these filters." in before and tables(before) == []


def test_low_stock_lists_what_is_below_its_threshold_for_an_employee(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "10")
    receive(tenant_a, data["P2"], "2.5")
    level = level_of(tenant_a, data["P2"])
    with tenant_context(tenant_a):
        stock_services.stock_level_update(level=level, low_stock_threshold=D("5"), actor=SYSTEM)
    page = html(panel_client(tenant_a, "employee").get("/reports/low-stock/"))
    assert body_rows(page) == [
        ["P2", "Product P2", "MAIN Main warehouse", "2.5", "0", "2.5", "5", "2.5", "kg", "50.0"]
    ]


def test_top_customers_and_products_rank_by_gross(tenant_a):
    data = shop(tenant_a)
    with tenant_context(tenant_a):
        big = f.CustomerFactory.create(name="Big Buyer", company_name="")
    make_order(tenant_a, {**data, "customer": big}, (data["P1"], "10"))
    client = panel_client(tenant_a, "manager")
    page = html(client.get("/reports/top-customers/"))
    assert column(page, "Customer") == ["Big Buyer", "Anna Kowalska"]
    assert column(page, "Gross") == ["PLN 245.88", "PLN 59.94"]
    assert totals(page)["Gross"] == "PLN 305.82"
    assert totals(page)["#"] == "The top 2 together"
    page = html(client.get("/reports/top-products/", {"by": "quantity"}))
    assert column(page, "Code") == ["P1", "P2"]
    assert column(page, "Quantity") == ["12", "2.5"]


def test_a_report_in_polish_writes_money_dates_and_words_as_poles_do(tenant_a):
    shop(tenant_a)
    client = panel_client(tenant_a, "manager")
    client.post("/language/", {"language": "pl", "next": "/"})
    page = html(client.get("/reports/sales/"))
    assert "59,94 zł" in totals(page).values()
    assert today(tenant_a).strftime("%d.%m.%Y") in column(page, header(page)[0])


# --- modules and isolation ---------------------------------------------------------------------


def test_reports_off_hides_every_report_and_the_nav_entry(tenant_a):
    client = panel_client(tenant_a, "admin")
    assert 'href="/reports/"' in html(client.get("/"))
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@reports", is_enabled=False)
    for url in ["/reports/", "/reports/exports/", *PAGES, *EXPORTS]:
        assert client.get(url).status_code == 404, url
    assert 'href="/reports/"' not in html(client.get("/"))


@pytest.mark.parametrize(
    ("module", "gone"),
    [
        ("@stock", {"stock-value", "low-stock"}),
        ("@orders", {"sales", "top-customers", "top-products"}),
        ("@quotes", {"funnel"}),
    ],
)
def test_a_report_whose_source_module_is_off_is_404_and_off_the_index(tenant_a, module, gone):
    client = panel_client(tenant_a, "admin")
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code=module, is_enabled=False)
    assert set(listed(html(client.get("/reports/")))) == set(REPORTS) - gone
    for name in REPORTS:
        status = client.get(f"/reports/{name}/").status_code
        assert status == (404 if name in gone else 200), (name, status)


def test_a_session_of_tenant_a_is_sent_to_login_on_tenant_b(tenant_a, tenant_b):
    client = panel_client(tenant_a, "admin")
    for url in ["/reports/", *PAGES, *EXPORTS]:
        response = client.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_tenant_b_data_never_reaches_tenant_a_reports(tenant_a, tenant_b):
    shop(tenant_a)
    other = seed(tenant_b)
    with tenant_context(tenant_b):
        stranger = f.CustomerFactory.create(name="Stranger of B", company_name="")
    make_order(tenant_b, {**other, "customer": stranger}, (other["P1"], "500"))
    receive(tenant_b, other["P3"], "999")
    client = panel_client(tenant_a, "manager")
    assert totals(html(client.get("/reports/sales/")))["Gross"] == "PLN 59.94"
    page = html(client.get("/reports/top-customers/"))
    assert "Stranger of B" not in page and column(page, "Customer") == ["Anna Kowalska"]
    assert "999" not in html(client.get("/reports/stock-value/"))


def test_no_inline_script_or_style_on_a_report_page(tenant_a):
    shop(tenant_a)
    page = html(panel_client(tenant_a, "manager").get("/reports/top-products/"))
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert " style=" not in page


def test_dates_of_a_ranking_are_tenant_days(tenant_a):
    data = seed(tenant_a)
    order = make_order(tenant_a, data, (data["P1"], "1"))
    moment = timezone.now().replace(hour=23, minute=30, second=0, microsecond=0,
                                    tzinfo=dt.UTC) - dt.timedelta(days=2)  # fmt: skip
    with tenant_context(tenant_a):
        Order.objects.filter(pk=order.pk).update(created_at=moment)
    page = html(panel_client(tenant_a, "manager").get("/reports/top-customers/"))
    warsaw_day = moment.astimezone(ZoneInfo("Europe/Warsaw")).date()
    assert column(page, "Last order") == [warsaw_day.isoformat()]
