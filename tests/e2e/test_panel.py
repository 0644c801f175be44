"""The staff panel in a real browser, as its users use it (issue 13's must-show list).

Each test works on a tenant of its own (committed: the server is another process) and
fails on any console error, script error, failed request or unexpected error status.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dockpulse.actors import SYSTEM
from dockpulse.events import delivery
from dockpulse.tenancy import tenant_context
from tenant_apps.configuration.models import TenantModule
from tenant_apps.configuration.services import module_set_enabled
from tenant_apps.customers.models import Customer
from tests.support import TEST_PASSWORD, host_of, make_order, seed, staff_user

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def url(server: Any, tenant: Any, path: str = "/") -> str:
    return f"http://{host_of(tenant)}:{server.port}{path}"


def text(locator: Any) -> str:
    """What the user reads: no-break spaces (1 234,56 zł) as spaces."""
    return " ".join(locator.inner_text().replace("\xa0", " ").split())


def log_in(page: Any, server: Any, tenant: Any, email: str = "owner@example.com") -> None:
    page.goto(url(server, tenant, "/login/"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url(server, tenant, "/"))


def kpi(page: Any, label: str) -> str:
    return text(page.locator(".kpi", has=page.get_by_text(label, exact=True)).locator(".value"))


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def shop_and_gross(make_tenant: Callable[..., Any]) -> tuple[Any, Decimal]:
    """A tenant with a customer, products and two of today's orders, their events
    handled (the dashboard's aggregates, stock) as the worker would; and their gross."""
    tenant = make_tenant()
    data = seed(tenant)
    first = make_order(tenant, data, (data["P1"], "3"))
    second = make_order(tenant, data, (data["P2"], "10"))
    with tenant_context(tenant):
        delivery.drain()
    return tenant, first.total_gross + second.total_gross


@pytest.fixture
def shop(shop_and_gross: tuple[Any, Decimal]) -> Any:
    return shop_and_gross[0]


def test_log_in_and_the_dashboard_shows_the_seeded_figures(
    http_server, shop, shop_and_gross, watched
):
    page, _problems = watched
    log_in(page, http_server, shop)
    assert page.get_by_role("heading", name=re.compile(r"^Hello, ")).is_visible()
    assert kpi(page, "Orders today") == "2"
    gross = shop_and_gross[1]
    assert kpi(page, "Gross revenue today") == f"PLN {gross:,.2f}"
    assert page.locator("svg.chart").count() >= 1
    shoot(page, "dashboard-wide")


def test_create_a_customer_with_a_bad_nip_then_a_good_one_and_find_it(http_server, shop, watched):
    page, problems = watched
    problems.expect(400)  # the form coming back with its errors
    log_in(page, http_server, shop)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    page.get_by_role("link", name="New customer").click()
    page.get_by_label("Name").fill("Zofia Wiśniewska")
    page.get_by_label("Phone").fill("602 345 678")
    page.get_by_label("NIP").fill("123-456-78-90")
    page.get_by_role("button", name=re.compile("Save|Add")).click()

    nip = page.get_by_label("NIP")
    assert nip.get_attribute("aria-invalid") == "true"
    described = nip.get_attribute("aria-describedby") or ""
    error = page.locator(f"#{described.split()[-1]}")
    assert "not a valid NIP" in text(error)
    with tenant_context(shop):
        assert not Customer.objects.filter(name="Zofia Wiśniewska").exists()

    nip.fill("526-000-12-46")
    page.get_by_role("button", name=re.compile("Save|Add")).click()
    assert page.get_by_role("heading", name="Zofia Wiśniewska").is_visible()
    with tenant_context(shop):
        assert Customer.objects.get(name="Zofia Wiśniewska").nip == "5260001246"

    # The header's search box, by keyboard only: "/" focuses it, type, arrow down, Enter.
    page.goto(url(http_server, shop, "/"))
    page.keyboard.press("/")
    page.keyboard.type("Wiśniew")
    hit = page.locator("#search-results a", has_text="Zofia Wiśniewska")
    hit.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/customers/[0-9a-f-]{36}/$"))
    assert page.get_by_role("heading", name="Zofia Wiśniewska").is_visible()


def test_import_a_csv_with_a_bad_row_previews_it_and_writes_nothing_until_confirmed(
    http_server, shop, watched, tmp_path
):
    page, problems = watched
    problems.expect(400)
    log_in(page, http_server, shop)
    page.goto(url(http_server, shop, "/customers/"))
    page.get_by_role("link", name="Import CSV").click()

    bad = tmp_path / "bad.csv"
    bad.write_text("name;phone;nip\nAdam Nowak;603 111 222;\nEwa Zielińska;not a phone;\n", "utf-8")
    page.get_by_label(re.compile("CSV file|File")).set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    problems_table = page.get_by_role("table")
    assert "3" in text(problems_table) and "phone" in text(problems_table)
    assert page.get_by_role("button", name="Confirm import").count() == 0
    with tenant_context(shop):
        assert not Customer.objects.filter(name__in=["Adam Nowak", "Ewa Zielińska"]).exists()

    good = tmp_path / "good.csv"
    good.write_text(
        "name;phone;nip\nAdam Nowak;603 111 222;\nEwa Zielińska;604 222 333;\n", "utf-8"
    )
    page.get_by_label(re.compile("CSV file|File")).set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Confirm import").wait_for()
    with tenant_context(shop):  # the preview wrote nothing
        assert not Customer.objects.filter(name="Adam Nowak").exists()
    page.get_by_role("button", name="Confirm import").click()
    assert page.get_by_text("2 customers imported.").is_visible()
    with tenant_context(shop):
        assert Customer.objects.filter(name__in=["Adam Nowak", "Ewa Zielińska"]).count() == 2


def test_an_employee_sees_no_settings_and_is_refused_by_url(http_server, shop, watched):
    page, problems = watched
    problems.expect(403)
    staff_user(shop, "employee")
    log_in(page, http_server, shop, email=f"employee@{shop.slug}.example.com")
    menu = page.get_by_role("navigation", name="Main")
    assert menu.get_by_role("link", name="Customers").is_visible()
    assert menu.get_by_role("link", name="Settings").count() == 0
    for path in ("/settings/", "/settings/users/", "/customers/new/"):
        response = page.goto(url(http_server, shop, path))
        assert response.status == 403, path
        assert page.get_by_role("heading", name="Your role does not allow this").is_visible()


def test_a_switched_off_module_is_gone_from_the_menu_and_its_page_is_404(
    http_server, shop, watched
):
    page, problems = watched
    problems.expect(404)
    with tenant_context(shop):
        module = TenantModule.objects.get(module_code="@products")
        module_set_enabled(module=module, enabled=False, actor=SYSTEM)
    log_in(page, http_server, shop)
    menu = page.get_by_role("navigation", name="Main")
    assert menu.get_by_role("link", name="Customers").is_visible()
    assert menu.get_by_role("link", name="Products").count() == 0
    response = page.goto(url(http_server, shop, "/products/"))
    assert response.status == 404
    assert page.get_by_role("heading", name="This page does not exist").is_visible()


def test_switching_to_polish_shows_polish_labels_and_formats(
    http_server, shop, shop_and_gross, watched
):
    page, _problems = watched
    log_in(page, http_server, shop)
    with page.expect_navigation():
        page.get_by_label("Language").select_option("pl")
    menu = page.get_by_role("navigation", name="Główne")
    assert menu.get_by_role("link", name="Klienci").is_visible()
    gross = shop_and_gross[1]
    polish = f"{gross:,.2f}".replace(",", " ").replace(".", ",")
    assert kpi(page, "Zamówienia dziś") == "2"
    assert kpi(page, "Przychód brutto dziś") == f"{polish} zł"
    page.goto(url(http_server, shop, "/customers/"))
    created = text(page.locator("table tbody tr").first)
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", created), created
    shoot(page, "customers-pl")


def test_at_360_pixels_the_menu_folds_and_nothing_scrolls_sideways(http_server, shop, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, http_server, shop)
        for path in ("/", "/customers/", "/products/", "/notifications/", "/settings/"):
            page.goto(url(http_server, shop, path))
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, (path, width)
        menu = page.get_by_role("navigation", name="Main")
        assert not menu.is_visible()
        page.get_by_role("button", name="Menu").click()
        assert menu.get_by_role("link", name="Customers").is_visible()
        page.goto(url(http_server, shop, "/"))
        shoot(page, "dashboard-360")
    finally:
        context.close()
