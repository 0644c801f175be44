"""The dashboard: its figures come from the daily aggregates the event handler keeps,
read as a user reads them; the aggregates' rules (which orders count, on which day,
replays), the charts, sections per module and role, query counts, isolation, and the
rebuild command."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext

from dockpulse.actors import SYSTEM, staff_actor
from dockpulse.events import delivery
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from dockpulse.web.charts import Point, column_chart, nice_ticks, row_chart
from tenant_apps.dashboard.models import DailySales
from tenant_apps.dashboard.selectors import last_month_window, tenant_today
from tenant_apps.dashboard.services import daily_sales_rebuild
from tenant_apps.sales import services as sales
from tenant_apps.sales.inputs import order_changes
from tenant_apps.sales.models import Order
from tests import factories as f
from tests.support import make_order, move, panel_client, seed, staff_user

pytestmark = pytest.mark.django_db(databases="__all__")


def drain(tenant: Any) -> None:
    """Run the event bus's handlers for everything undispatched, as the worker would."""
    with tenant_context(tenant):
        delivery.drain()


def money_en(amount: Decimal) -> str:
    return f"PLN\xa0{amount:,.2f}"


def kpi(html: str, label: str) -> str:
    """The value shown on the KPI tile called `label`."""
    found = re.search(
        rf'<div class="label">{re.escape(label)}</div>\s*<div class="value">([^<]*)</div>', html
    )
    assert found, f"no KPI {label!r}"
    return found.group(1)


def rows(tenant: Any) -> set[tuple[Any, ...]]:
    with tenant_context(tenant):
        return set(DailySales.objects.values_list("day", "status", "orders_count", "gross_total"))


def backdate(tenant: Any, order: Order, days: int) -> None:
    """Move an order's creation back (the service stamps now); the aggregates follow."""
    with tenant_context(tenant):
        Order.objects.filter(pk=order.pk).update(
            created_at=order.created_at - dt.timedelta(days=days)
        )
        daily_sales_rebuild()


@pytest.fixture
def data(tenant_a: Any) -> dict[str, Any]:
    drain(tenant_a)  # whatever the fixtures left
    return seed(tenant_a)


def test_the_dashboard_shows_the_seeded_figures(tenant_a, data):
    admin = staff_user(tenant_a, "admin")
    big = make_order(tenant_a, data, (data["P1"], "60"), actor=admin)
    small = make_order(tenant_a, data, (data["P2"], "3"), actor=admin)
    cancelled = make_order(tenant_a, data, (data["P1"], "1"))
    move(tenant_a, cancelled, "cancelled")
    drain(tenant_a)

    html = panel_client(tenant_a).get("/").content.decode()
    gross = big.total_gross + small.total_gross
    assert gross > 1000  # the figure shows its thousands separator
    assert kpi(html, "Orders today") == "2"  # the cancelled one does not count
    assert kpi(html, "Gross revenue today") == money_en(gross)
    assert kpi(html, "Orders this month") == "2"
    assert kpi(html, "Gross revenue this month") == money_en(gross)
    # Open orders by status, the charts with their data tables, the activity.
    assert re.search(
        r'<dt><a href="/orders/\?status=new">New</a></dt><dd class="num">'
        r'<a href="/orders/\?status=new">2</a></dd>',
        html,
    )
    assert 'id="revenue-chart-title"' in html and 'id="status-chart-title"' in html
    assert "Show data" in html and f'<td class="num">{money_en(gross)}</td>' in html
    assert f"Order {big.number} created" in html
    assert f"Order {cancelled.number} cancelled" in html
    assert "Admin" in html  # who created it
    # The CSP allows no inline style or script, charts included.
    assert "style=" not in html and "<script>" not in html and "onclick" not in html


def test_figures_read_in_polish(tenant_a, data):
    order = make_order(tenant_a, data, (data["P1"], "60"))
    drain(tenant_a)
    html = panel_client(tenant_a).get("/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert 'lang="pl"' in html
    whole, cents = f"{order.total_gross:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", "\xa0")
    assert f"{grouped},{cents}\xa0zł" in html


def test_previous_periods_and_the_change(tenant_a, data):
    today = make_order(tenant_a, data, (data["P1"], "2"))
    make_order(tenant_a, data, (data["P1"], "2"))
    yesterday = make_order(tenant_a, data, (data["P1"], "2"))
    backdate(tenant_a, yesterday, 1)
    html = panel_client(tenant_a).get("/").content.decode()
    with tenant_context(tenant_a):
        first_of_month = tenant_today().day == 1
    assert kpi(html, "Orders today") == "2"
    assert "+100%" in html  # two today against one yesterday
    assert f"Yesterday: {money_en(today.total_gross)}" in html
    if not first_of_month:
        assert kpi(html, "Orders this month") == "3"


def test_last_month_window_ends_on_the_same_day_or_the_months_last():
    assert last_month_window(dt.date(2026, 3, 31)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert last_month_window(dt.date(2026, 1, 15)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 15))


# --- the aggregates -------------------------------------------------------------------


def test_cancelling_moves_the_revenue_out_and_line_changes_follow(tenant_a, data):
    order = make_order(tenant_a, data, (data["P1"], "2"))
    drain(tenant_a)
    with tenant_context(tenant_a):
        day = tenant_today()
    assert rows(tenant_a) >= {(day, "new", 1, order.total_gross)}
    with tenant_context(tenant_a):
        changed = sales.order_update(
            order=order,
            changes=order_changes({"lines": [{"product": data["P1"].id, "quantity": "5"}]}),
            actor=SYSTEM,
        )
    drain(tenant_a)
    assert (day, "new", 1, changed.total_gross) in rows(tenant_a)
    move(tenant_a, order, "cancelled")
    drain(tenant_a)
    assert (day, "cancelled", 1, changed.total_gross) in rows(tenant_a)
    assert not {r for r in rows(tenant_a) if r[1] == "new"}


def test_replaying_events_counts_nothing_twice(tenant_a, data):
    order = make_order(tenant_a, data, (data["P1"], "2"))
    move(tenant_a, order, "confirmed", "in_progress")
    make_order(tenant_a, data, (data["P2"], "1"))
    drain(tenant_a)
    before = rows(tenant_a)
    out = io.StringIO()
    call_command("replay_events", "tenant-a", "--handler", "dashboard.daily_sales", stdout=out)
    assert "0 failed" in out.getvalue()
    assert rows(tenant_a) == before
    # The same events handled again, as one batch, by the handler itself.
    from dockpulse.events.handlers import get_handler

    with tenant_context(tenant_a):
        get_handler("dashboard.daily_sales").func(list(EventLog.objects.all()))
    assert rows(tenant_a) == before
    # And the rebuild from the orders agrees with what the handler kept.
    with tenant_context(tenant_a):
        daily_sales_rebuild()
    assert rows(tenant_a) == before


def test_days_are_the_tenants_days(tenant_a, data):
    order = make_order(tenant_a, data, (data["P1"], "1"))
    with tenant_context(tenant_a):
        assert tenant_a.time_zone == "Europe/Warsaw"
        # 23:30 UTC on 30 June is 01:30 on 1 July in Warsaw (summer time).
        late = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
        Order.objects.filter(pk=order.pk).update(created_at=late)
        assert daily_sales_rebuild(since=dt.date(2026, 6, 1)) >= 1
        days = set(DailySales.objects.filter(day__month__in=[6, 7]).values_list("day", flat=True))
    assert dt.date(2026, 7, 1) in days and dt.date(2026, 6, 30) not in days


def test_rebuild_since_leaves_earlier_days(tenant_a, data):
    old = make_order(tenant_a, data, (data["P1"], "1"))
    backdate(tenant_a, old, 40)
    make_order(tenant_a, data, (data["P1"], "1"))
    with tenant_context(tenant_a):
        today = tenant_today()
        DailySales.objects.filter(day__gte=today).delete()
        assert daily_sales_rebuild(since=today) == 1
        assert DailySales.objects.filter(day=today - dt.timedelta(days=40)).exists()
        assert DailySales.objects.filter(day=today).exists()


def test_rebuild_command(tenant_a, data):
    make_order(tenant_a, data, (data["P1"], "1"))
    with tenant_context(tenant_a):
        DailySales.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_dashboard", "tenant-a", stdout=out)
    assert "tenant-a: 1 day(s)" in out.getvalue()
    assert rows(tenant_a)
    out = io.StringIO()
    call_command("rebuild_dashboard", "--all", stdout=out)
    assert "tenant-a:" in out.getvalue() and "tenant-b:" in out.getvalue()
    for args, message in (
        ((), "name one tenant or pass --all"),
        (("tenant-a", "--all"), "name one tenant or pass --all"),
        (("no-such-tenant",), "no active tenant no-such-tenant"),
        (("tenant-a", "--since", "2026-02-30"), "is not a date"),
        (("tenant-a", "--since", "yesterday"), "is not a date"),
    ):
        with pytest.raises(CommandError, match=message) as raised:
            call_command("rebuild_dashboard", *args, stdout=io.StringIO())
        assert raised.value.returncode == 2


# --- sections per module and role -------------------------------------------------------


def test_quotes_awaiting_and_low_stock(tenant_a, data):
    with tenant_context(tenant_a):
        quote = f.QuoteFactory.create(customer=data["customer"])
        sales.quote_send(quote=quote, actor=SYSTEM)
        f.QuoteFactory.create(customer=data["customer"])  # a draft: not awaiting anybody
        product = f.ProductFactory.create(code="LOW-1", name="Almost gone")
        f.StockLevelFactory.create(product=product, low_stock_threshold=Decimal("5"))
    html = panel_client(tenant_a, "employee").get("/").content.decode()
    assert "Quotes awaiting a decision" in html
    assert quote.number in html and "1 quote sent" in html
    assert "Low stock" in html and "LOW-1" in html and "Almost gone" in html


def test_disabled_modules_hide_their_sections(tenant_a, data):
    make_order(tenant_a, data, (data["P1"], "1"))
    with tenant_context(tenant_a):
        for code in ("@orders", "@quotes", "@stock"):
            f.TenantModuleFactory.create(module_code=code, is_enabled=False)
    html = panel_client(tenant_a).get("/").content.decode()
    assert "Orders today" not in html and "revenue-chart" not in html
    assert "Quotes awaiting a decision" not in html and "Low stock" not in html
    assert "Order " not in re.sub(r"<nav.*?</nav>", "", html, flags=re.S)  # nor their activity


def test_the_activity_is_for_roles_that_read_the_event_log(tenant_a, data):
    make_order(tenant_a, data, (data["P1"], "1"))
    assert "Recent activity" in panel_client(tenant_a, "manager").get("/").content.decode()
    html = panel_client(tenant_a, "employee").get("/").content.decode()
    assert "Recent activity" not in html
    assert "Orders today" in html  # employees read orders


def test_an_event_without_a_sentence_of_its_own_falls_back(tenant_a, data):
    with tenant_context(tenant_a):
        f.EventLogFactory.create(event_type="portal.message_sent", entity_type="")
        f.EventLogFactory.create(event_type="customer.portal_login", entity_type="customer")
        f.EventLogFactory.create(event_type="quote.sent", entity_type="quote", payload={})
    html = panel_client(tenant_a).get("/").content.decode()
    assert "Event portal.message_sent" in html  # nothing known about it: its type
    assert "Customer changed" in html  # its entity's generic sentence
    assert "Quote changed" in html  # its payload lacks the number


# --- query counts and isolation -------------------------------------------------------


def test_the_dashboard_runs_the_same_queries_for_few_or_many_orders(tenant_a, data):
    client = panel_client(tenant_a)
    admin = staff_user(tenant_a, "admin")
    counts = []
    for extra in (1, 8):
        for _ in range(extra):
            order = make_order(tenant_a, data, (data["P1"], "1"), actor=admin)
            move(tenant_a, order, "confirmed")
        with tenant_context(tenant_a):
            quote = f.QuoteFactory.create(customer=data["customer"])
            sales.quote_send(quote=quote, actor=staff_actor(admin))
            f.StockLevelFactory.create(low_stock_threshold=Decimal("1"))
        drain(tenant_a)
        with CaptureQueriesContext(connections[tenant_a.alias]) as queries:
            response = client.get("/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_session_of_tenant_a_is_nobody_on_tenant_b(tenant_a, tenant_b, data):
    make_order(tenant_a, data, (data["P1"], "60"))
    drain(tenant_a)
    client = panel_client(tenant_a)
    response = client.get("/", HTTP_HOST=f"{tenant_b.slug}.localhost")
    assert response.status_code == 302 and "/login/" in response["Location"]
    # B's own dashboard knows nothing of A's orders.
    html = panel_client(tenant_b).get("/").content.decode()
    assert kpi(html, "Orders today") == "0"
    with tenant_context(tenant_b):
        assert not DailySales.objects.filter(orders_count__gt=0, day=tenant_today()).exists()


def test_anonymous_visitors_go_to_the_sign_in_page(tenant_a):
    from django.test import Client

    response = Client(HTTP_HOST=f"{tenant_a.slug}.localhost").get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- charts ---------------------------------------------------------------------------


def test_axis_steps_are_round_and_cover_the_maximum():
    assert nice_ticks(Decimal("1234.56")) == tuple(Decimal(v) for v in (0, 400, 800, 1200, 1600))
    assert nice_ticks(Decimal(7)) == tuple(Decimal(v) for v in (0, 2, 4, 6, 8))
    assert nice_ticks(Decimal("0.5"))[-1] >= Decimal("0.5")
    assert nice_ticks(Decimal(0)) == tuple(Decimal(v) for v in range(5))


def test_chart_geometry():
    chart = column_chart([Point(i, f"d{i}", v) for i, v in enumerate((0, 5, 10))], height=220)
    zero, half, full = chart.bars
    assert zero.height == 0 and zero.y == chart.bottom
    assert full.y + full.height == chart.bottom and full.height > half.height > 0
    assert full.x > half.x > zero.x
    assert chart.total == 15 and not chart.empty
    rows_ = row_chart([Point("a", "A", 3), Point("b", "B", 0)])
    assert rows_.bars[0].width > 0 and rows_.bars[1].width == 0
    assert rows_.bars[1].y > rows_.bars[0].y
    assert row_chart([Point("a", "A", 0)]).empty


def test_polish_pages_keep_svg_numbers_machine_readable(tenant_a, data):
    make_order(tenant_a, data, (data["P2"], "0.5"))
    drain(tenant_a)
    client = panel_client(tenant_a)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    # Attributes never carry a decimal comma, whatever the language.
    assert 'lang="pl"' in html
    assert not re.search(r'(?:x|y|width|height)="\d+,\d', html)


def test_the_activity_names_the_platform_admin_who_signed_in_as_a_user():
    from tenant_apps.dashboard.activity import describe

    payload = {"email": "admin@tenant-a.example.com", "platform_admin": "ops@platform.example.com"}
    assert describe("staff.impersonated", "user", payload) == (
        "Platform admin ops@platform.example.com signed in as admin@tenant-a.example.com"
    )
    assert describe("staff.impersonation_ended", "user", payload) == (
        "Platform admin ops@platform.example.com's session as admin@tenant-a.example.com ended"
    )
