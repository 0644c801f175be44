"""The reports in a real browser: a manager opens the reports' index, then sales, asks
for weeks grouped by product and reads the table and the chart; at a phone's width the
wide table scrolls inside its box and the page does not; once more in Polish.
Screenshots: var/screenshots/reports-<name>-<width>.png (tests/e2e/pages.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from dockpulse.tenancy import tenant_context
from tenant_apps.sales.models import Order
from tests.e2e.pages import no_sideways_scroll, screenshot, url
from tests.support import TEST_PASSWORD, make_order, receive, seed, staff_user

pytestmark = pytest.mark.e2e


def text(locator: Any) -> str:
    """What the user reads: no-break spaces (1 234,56 zł) as spaces."""
    return " ".join(locator.inner_text().replace("\xa0", " ").split())


def log_in(page: Any, server: Any, tenant: Any, email: str) -> None:
    page.goto(url(server, tenant, "/login/"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url(server, tenant, "/"))


def shoot(page: Any, name: str) -> None:
    """The page at 1366 and at 360 px wide; at 360 nothing may need sideways scrolling."""
    before = page.viewport_size
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, f"reports-{name}-{width}")
        if width == 360:
            no_sideways_scroll(page, width)
    page.set_viewport_size(before)


@pytest.fixture
def shop(make_tenant: Callable[..., Any]) -> Any:
    """A tenant with six weeks of orders (one every few days) and some stock."""
    tenant = make_tenant()
    data = seed(tenant)
    now = dt.datetime.now(dt.UTC)
    for n in range(12):
        lines = [(data["P1"], str(1 + n % 4))]
        if n % 3 == 0:
            lines.append((data["P2"], "2.5"))
        if n % 4 == 1:
            lines.append((data["P3"], "40"))
        order = make_order(tenant, data, *lines)
        with tenant_context(tenant):
            Order.objects.filter(pk=order.pk).update(created_at=now - dt.timedelta(days=n * 2.5))
    receive(tenant, data["P1"], "25")
    receive(tenant, data["P2"], "7.5")
    staff_user(tenant, "manager")
    return tenant


def test_a_manager_reads_sales_per_week_and_product(http_server, shop, watched):
    page, _problems = watched
    log_in(page, http_server, shop, f"manager@{shop.slug}.example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.wait_for_url(url(http_server, shop, "/reports/"))
    assert page.get_by_role("heading", name="Reports", level=1).is_visible()
    main = page.locator("main")
    assert main.get_by_role("link", name="Low stock", exact=True).is_visible()
    shoot(page, "index")

    main.get_by_role("link", name="Sales", exact=True).click()
    page.wait_for_url(url(http_server, shop, "/reports/sales/"))
    assert "Orders created in the range, cancelled ones excluded" in text(page.locator("main"))
    shoot(page, "sales-days")

    # A choice applies at once (the form is submitted on change); dates wait for "Show".
    with page.expect_navigation():
        page.get_by_label("Per", exact=True).select_option("week")
    with page.expect_navigation():
        page.get_by_label("Grouped by", exact=True).select_option("product")
    page.wait_for_url(re.compile(r"/reports/sales/\?.*grain=week.*group_by=product"))

    table = page.locator("table.report-table").first
    heads = [text(h) for h in table.locator("thead th").all()]
    assert heads == ["Period", "Product", "Order lines", "Quantity", "Net", "VAT", "Gross"]
    products = {text(row.locator("td").nth(1)) for row in table.locator("tbody tr").all()}
    assert products == {"P1 Product P1", "P2 Product P2", "P3 Product P3"}
    assert text(table.locator("tfoot th").first) == "Total"
    assert re.fullmatch(r"PLN \d[\d,]*\.\d\d", text(table.locator("tfoot td").last))
    chart = page.locator("svg.chart")
    assert chart.is_visible() and chart.locator("rect.bar").count() >= 5
    # The filters stay as chosen; the export links carry them.
    assert page.get_by_label("Per", exact=True).input_value() == "week"
    csv = page.get_by_role("link", name="CSV", exact=True)
    assert "grain=week" in (csv.get_attribute("href") or "")
    shoot(page, "sales-weeks-products")

    # At a phone's width the table scrolls inside its box (it is wider than the screen).
    page.set_viewport_size({"width": 360, "height": 800})
    wrap = page.locator(".report-table-wrap").first
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    no_sideways_scroll(page, 360)

    for name in ("funnel", "stock-value", "low-stock", "top-customers", "top-products"):
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(url(http_server, shop, f"/reports/{name}/"))
        assert page.locator("h1").is_visible()
        shoot(page, name)


def test_the_sales_report_in_polish(http_server, shop, watched):
    page, problems = watched
    problems.expect(400)
    log_in(page, http_server, shop, f"manager@{shop.slug}.example.com")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("pl")
    page.goto(url(http_server, shop, "/reports/sales/?grain=week"))
    foot = text(page.locator("table.report-table tfoot"))
    assert re.search(r"\d[\d ]*,\d\d zł", foot), foot
    first = text(page.locator("table.report-table tbody tr").first.locator("td").first)
    assert re.fullmatch("\\d\\d\\.\\d\\d\\.\\d{4}\u2013\\d\\d\\.\\d\\d\\.\\d{4}", first), first
    shoot(page, "sales-pl")
    # A bad range: the error on its field, in Polish formats, no table.
    page.goto(url(http_server, shop, "/reports/sales/?date_from=2026-12-02&date_to=2026-12-01"))
    assert page.locator(".field.has-error").count() == 1
    assert page.locator("table.report-table").count() == 0
    shoot(page, "sales-error-pl")
