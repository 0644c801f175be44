"""The order pages and the line editor in a real browser (issue 14's must-show list):
create an order with two lines (totals recomputed as the user types, a bad quantity
marked on its line), save, confirm, ship with a tracking number, read the history; two
sessions confirm the same order and the second is told in words; a quote through the
same editor, sent (its e-mail carries the PDF), accepted, converted and its order found.
Each test has a tenant of its own (committed: the server is another process) and fails
on any console error, failed request or unexpected error status.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dockpulse.tenancy import tenant_context
from tenant_apps.sales.models import Order, Quote
from tests.support import TEST_PASSWORD, host_of, mails_to, make_order, seed, staff_user

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
OWNER = "owner@example.com"


def url(server: Any, tenant: Any, path: str = "/") -> str:
    return f"http://{host_of(tenant)}:{server.port}{path}"


def text(locator: Any) -> str:
    """What the user reads: no-break spaces (1 234,56 zł) as spaces."""
    return " ".join(locator.inner_text().replace("\xa0", " ").split())


def log_in(page: Any, server: Any, tenant: Any, email: str = OWNER) -> None:
    page.goto(url(server, tenant, "/login/"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url(server, tenant, "/"))


def shoot(page: Any, name: str) -> None:
    """The page at 1366 and at 360 px wide (var/screenshots/orders-<name>-<width>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top
        page.screenshot(path=str(SCREENSHOTS / f"orders-{name}-{width}.png"), full_page=True)
    page.set_viewport_size(before)


def forgive_superseded(problems: Any) -> None:
    """Requests the page itself gave up, not failures: a recompute or a suggestions
    request a newer keystroke replaced (hx-sync "replace" aborts it). (The favicon's are
    forgiven for every test in conftest.py.)"""
    problems.problems[:] = [
        p
        for p in problems.problems
        if not (p.startswith("failed request:") and "ABORTED" in p and "/sales/editor/" in p)
    ]


def wait_text(locator: Any, wanted: str, timeout: float = 10_000) -> None:
    from playwright.sync_api import expect

    expect(locator).to_have_text(re.compile(re.escape(wanted).replace(r"\ ", r"\s")),
                                 timeout=timeout)  # fmt: skip


def gross(page: Any) -> Any:
    return page.locator('#editor-totals [data-total="gross"]')


def pick_product(page: Any, line: Any, query: str, label: str) -> None:
    line.get_by_role("combobox", name="Product").fill(query)
    line.get_by_role("button", name=re.compile(re.escape(label))).click()
    # The line comes back filled from the product (the server's defaults).
    page.wait_for_function(
        "id => { const e = document.getElementById(id); return e && e.value !== ''; }",
        arg=line_input_id(line, "description"),
    )


def line_input_id(line: Any, name: str) -> str:
    key = line.locator('input[name="line"]').get_attribute("value")
    return f"id_line-{key}-{name}"


@pytest.fixture
def shop(make_tenant: Callable[..., Any]) -> Any:
    tenant = make_tenant()
    seed(tenant)
    return tenant


def test_create_an_order_with_two_lines_confirm_ship_and_read_the_history(
    http_server, shop, watched
):
    page, problems = watched
    problems.expect(400)  # the editor coming back with an error
    log_in(page, http_server, shop)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    page.get_by_role("link", name="New order").click()

    # The customer by keyboard: type, arrow down into the suggestions, Enter.
    page.get_by_role("combobox", name="Customer").fill("Kowal")
    page.locator("#customer-suggestions [data-pick]").first.wait_for()
    page.get_by_role("combobox", name="Customer").press("ArrowDown")
    page.keyboard.press("Enter")
    street = page.get_by_label("Street")
    page.wait_for_function(
        "() => document.getElementById('id_delivery_street').value === 'Długa 5'"
    )
    assert street.input_value() == "Długa 5"

    first = page.locator("[data-line]").nth(0)
    pick_product(page, first, "P1", "P1 · Product P1")
    first.get_by_label("Quantity").fill("3")
    wait_text(gross(page), "PLN 73.76")

    page.get_by_role("button", name="Add line").click()
    second = page.locator("[data-line]").nth(1)
    second.get_by_role("combobox", name="Product").wait_for()
    pick_product(page, second, "P2", "P2 · Product P2")
    assert "kg" in text(second.locator(".with-unit"))
    second.get_by_label("Quantity").fill("2")
    wait_text(gross(page), "PLN 82.37")  # + 2 kg x 4.10, 5 % VAT

    # Changing a quantity changes the totals, computed by the server.
    first.get_by_label("Quantity").fill("4")
    wait_text(gross(page), "PLN 106.96")

    # A bad quantity: the error is on that line, the other line still counts.
    second.get_by_label("Quantity").fill("-2")
    quantity_error = second.locator(".lf-quantity .line-errors").first
    quantity_error.locator("li").wait_for()
    assert second.get_by_label("Quantity").get_attribute("aria-invalid") == "true"
    assert first.get_by_label("Quantity").get_attribute("aria-invalid") is None
    wait_text(gross(page), "PLN 98.35")
    assert page.get_by_text("left out of the totals").is_visible()
    shoot(page, "editor-error")

    # Saving now refuses the whole order, with the error on the line; nothing is written.
    page.get_by_role("button", name="Create order").click()
    page.locator(".lf-quantity .line-errors li").first.wait_for()
    with tenant_context(shop):
        assert Order.objects.count() == 0
    second = page.locator("[data-line]").nth(1)
    second.get_by_label("Quantity").fill("2")
    page.locator(".lf-quantity .line-errors li").first.wait_for(state="detached")
    page.get_by_role("button", name="Create order").click()

    page.wait_for_url(re.compile(r"/orders/[0-9a-f-]{36}/$"))
    with tenant_context(shop):
        order = Order.objects.get()
        assert order.total_gross == order.total_net + order.total_vat
        assert str(order.total_gross) == "106.96"
        assert order.lines.count() == 2
    assert page.get_by_role("heading", name=re.compile(order.number)).is_visible()

    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("The order is now Confirmed.").wait_for()
    page.get_by_role("button", name="Start work").click()
    page.get_by_text("The order is now In progress.").wait_for()
    page.get_by_label("Tracking number").fill("PL-TRACK-77")
    page.get_by_role("button", name="Ship").click()
    page.get_by_text("The order is now Shipped.").wait_for()
    history = text(page.locator(".order-history"))
    for status in ("New", "Confirmed", "In progress", "Shipped"):
        assert status in history
    assert "PL-TRACK-77" in text(page.locator("dl.details"))
    shoot(page, "detail")

    page.goto(url(http_server, shop, "/orders/"))
    page.get_by_role("link", name=re.compile("Shipped")).first.wait_for()
    shoot(page, "list")
    # The list's customer filter: pick a customer, the results follow (and the address bar).
    page.get_by_role("combobox", name="Customer").fill("Kowal")
    page.get_by_role("button", name=re.compile("Anna Kowalska")).click()
    page.wait_for_url(re.compile(r"customer=[0-9a-f-]{36}"))
    assert order.number in text(page.locator("#order-results"))
    page.get_by_role("link", name=re.compile("^Cancelled")).click()
    page.get_by_text("No orders match these filters.").wait_for()
    assert "status=cancelled" in page.url and "customer=" in page.url
    forgive_superseded(problems)


def test_two_sessions_confirm_the_same_order_one_wins_the_other_is_told(
    http_server, shop, browser, watched
):
    page, problems = watched
    data = seed(shop)
    order = make_order(shop, data, (data["P1"], "1"))
    other_context = browser.new_context(locale="en-US")
    other = other_context.new_page()
    try:
        # Two people: the owner and a manager (one person's double click is no conflict).
        staff_user(shop, "manager")
        for tab, email in ((page, OWNER), (other, f"manager@{shop.slug}.example.com")):
            log_in(tab, http_server, shop, email)
            tab.goto(url(http_server, shop, f"/orders/{order.pk}/"))
            tab.get_by_role("button", name="Confirm").wait_for()

        page.get_by_role("button", name="Confirm").click()
        page.get_by_text("The order is now Confirmed.").wait_for()

        other.get_by_role("button", name="Confirm").click()
        alert = other.get_by_role("alert")
        alert.wait_for()
        said = text(alert)
        assert "Someone else already changed this order: it is now Confirmed (owner, " in said, said
        assert "Reload to see it." in said
        # The page the loser sees now offers the next moves, not "Confirm".
        assert other.get_by_role("button", name="Confirm").count() == 0
        assert other.get_by_role("button", name="Start work").is_visible()
    finally:
        other_context.close()
    with tenant_context(shop):
        assert Order.objects.get(pk=order.pk).status == "confirmed"
        assert order.history.filter(to_status="confirmed").count() == 1
    forgive_superseded(problems)


def test_create_a_quote_send_accept_convert_and_find_the_order(http_server, shop, watched):
    page, problems = watched
    log_in(page, http_server, shop)
    page.goto(url(http_server, shop, "/quotes/new/"))
    assert page.get_by_label("Valid until").input_value()  # today + 30 days by default
    page.get_by_role("combobox", name="Customer").fill("Anna")
    page.get_by_role("button", name=re.compile("Anna Kowalska")).click()
    line = page.locator("[data-line]").nth(0)
    pick_product(page, line, "Product P3", "P3 · Product P3")
    line.get_by_label("Quantity").fill("10")
    wait_text(gross(page), "PLN 0.50")
    page.get_by_role("button", name="Create quote").click()
    page.wait_for_url(re.compile(r"/quotes/([0-9a-f-]{36}/)?$"))
    with tenant_context(shop):
        quote = Quote.objects.get()
    assert quote.status == "draft" and str(quote.total_gross) == "0.50"
    # The quote's page shows what was saved.
    assert page.url.endswith(f"/quotes/{quote.pk}/")
    assert page.get_by_text(quote.number).first.is_visible()

    # Send it: the customer's e-mail carries its PDF.
    page.get_by_role("button", name="Send to the customer").click()
    page.wait_for_url(url(http_server, shop, f"/quotes/{quote.pk}/"))
    assert "Sent" in text(page.get_by_role("heading", level=1))
    [message] = [m for m in mails_to("anna@example.com") if shop.name in str(m["Subject"])]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"{quote.number}.pdf"
    assert attachment.get_content()[:4] == b"%PDF"

    # Accept it on the customer's behalf, convert it, and find the order.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Accept on the customer's behalf").click()
    page.wait_for_url(url(http_server, shop, f"/quotes/{quote.pk}/"))
    assert "Accepted" in text(page.get_by_role("heading", level=1))
    page.get_by_role("button", name="Convert to order").click()
    page.wait_for_url(re.compile(r"/orders/[0-9a-f-]{36}/$"))
    with tenant_context(shop):
        order = Order.objects.get()
    assert order.number in text(page.get_by_role("heading", level=1))
    page.goto(url(http_server, shop, "/orders/"))
    assert page.get_by_role("link", name=order.number).is_visible()
    forgive_superseded(problems)


def test_the_order_pages_in_polish(http_server, shop, watched):
    page, problems = watched
    problems.expect(400)
    data = seed(shop)
    order = make_order(shop, data, (data["P1"], "1000"), (data["P2"], "2,5"))
    log_in(page, http_server, shop)
    with page.expect_navigation():
        page.get_by_label("Language").select_option("pl")
    page.goto(url(http_server, shop, "/orders/"))
    assert page.get_by_role("heading", name="Zamówienia").is_visible()
    assert "24 598,46 zł" in text(page.locator("#order-results"))
    shoot(page, "list-pl")
    page.goto(url(http_server, shop, f"/orders/{order.pk}/"))
    assert "2,5 kg" in text(page.locator(".order-lines"))
    shoot(page, "detail-pl")
    page.goto(url(http_server, shop, f"/orders/{order.pk}/edit/"))
    line = page.locator("[data-line]").nth(1)
    line.locator("input[name$='-quantity']").fill("abc")  # its label is translated later
    line.locator(".lf-quantity .line-errors li").wait_for()
    wait_text(gross(page), "24 587,70 zł")
    shoot(page, "editor-error-pl")
    forgive_superseded(problems)
