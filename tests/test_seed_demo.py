"""`manage.py seed_demo`: demo data for an empty tenant (tenant_apps/demo/seeding/).

The seeding tests commit, each on a tenant of its own (`make_tenant`), as the command does;
the refusals run in the usual rolled-back transaction on the shared tenants.
"""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

import phonenumbers
import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import connections
from django.db.models import Count, Sum
from django.utils import timezone
from stdnum.pl import nip as nip_number

from dockpulse.actors import SYSTEM
from dockpulse.events.models import EventLog
from dockpulse.tenancy import TenantInfo, tenant_context
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import user_create
from tenant_apps.customers.models import Customer, TimelineEntry
from tenant_apps.dashboard.models import DailySales
from tenant_apps.demo.seeding import SeedError, seed_demo
from tenant_apps.notifications.models import Notification, NotificationDelivery, WorkflowTrigger
from tenant_apps.products.models import Product
from tenant_apps.sales.inputs import order_input
from tenant_apps.sales.models import Order, OrderLine, OrderStatusChange, Quote
from tenant_apps.sales.services import order_create
from tenant_apps.stock.models import StockLevel, StockMovement, StockReservation
from tests import factories as f
from tests.support import TEST_PASSWORD, assert_books_balance, run_manage

E164_PL = re.compile(r"^\+48\d{9}$")
TABLES: tuple[Any, ...] = (
    Customer, Product, Order, OrderLine, OrderStatusChange, Quote, StockLevel, StockMovement,
    StockReservation, TimelineEntry, Notification, NotificationDelivery, EventLog, User,
    WorkflowTrigger, DailySales,
)  # fmt: skip


def _staff(tenant: TenantInfo) -> None:
    """A manager and an employee besides the owner, as `make run`'s demo tenant has."""
    with tenant_context(tenant):
        for role in (Role.MANAGER, Role.EMPLOYEE):
            user_create(email=f"{role}@example.com", name=role.title(), password=TEST_PASSWORD,
                        role=role)  # fmt: skip


def _snapshot(tenant: TenantInfo) -> dict[str, Any]:
    """Row counts of every table the seed writes, and a few sums that any change moves."""
    with tenant_context(tenant):
        counts: dict[str, Any] = {model.__name__: model.objects.count() for model in TABLES}
        counts["gross"] = Order.objects.aggregate(s=Sum("total_gross"))["s"]
        counts["on_hand"] = StockLevel.objects.aggregate(s=Sum("on_hand"))["s"]
        counts["read"] = Notification.objects.filter(read_at__isnull=False).count()
        counts["last_event"] = (
            EventLog.objects.order_by("-created_at").values_list("created_at", flat=True).first()
        )
    return counts


def _seed(tenant: TenantInfo, *args: str) -> str:
    out = StringIO()
    call_command("seed_demo", tenant.slug, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _assert_people(tenant: TenantInfo) -> None:
    with tenant_context(tenant):
        customers = list(Customer.objects.all())
        for customer in customers:
            assert E164_PL.match(customer.phone), customer.phone
            number = phonenumbers.parse(customer.phone)
            assert phonenumbers.is_valid_number(number), customer.phone
            assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
            if customer.nip:
                assert nip_number.is_valid(customer.nip), customer.nip
            assert customer.email.split("@")[1].split(".")[-2] == "example"
            assert customer.address_city and re.match(
                r"^\d{2}-\d{3}$", customer.address_postal_code
            )
        assert sum(1 for c in customers if c.nip) >= len(customers) // 3
        tags = {tag for c in customers for tag in c.tags}
        assert {"hurt", "detal", "VIP", "stały klient"} <= tags


def test_small_demo_data_is_complete_consistent_and_made_once(make_tenant, tenant_a, tenant_b):
    tenant = make_tenant()
    _staff(tenant)
    others = {t.slug: _snapshot(t) for t in (tenant_a, tenant_b)}

    out = _seed(tenant)

    assert f"{tenant.slug}: small demo data in" in out
    now = timezone.now()
    with tenant_context(tenant):
        assert Customer.objects.count() == 50
        assert Product.objects.count() == 40
        assert Order.objects.count() == 300
        assert Quote.objects.count() == 40
        assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)
        assert set(Quote.objects.values_list("status", flat=True)) == set(Quote.Status.values)
        units = set(Product.objects.values_list("unit", flat=True))
        assert {"szt", "kg", "m", "op"} <= units
        assert {"23", "8", "5", "0"} <= set(Product.objects.values_list("vat_rate", flat=True))
        # Spread over the past 90 days, nothing in the future; numbers from the counter.
        first = Order.objects.order_by("created_at").first()
        last = Order.objects.order_by("-created_at").first()
        assert first and last and now - first.created_at < dt.timedelta(days=91)
        assert now - first.created_at > dt.timedelta(days=60) and last.created_at <= now
        assert Order.objects.values("number").distinct().count() == 300
        # Totals as the services compute them: the sum of the lines' rounded amounts.
        sums = Order.objects.annotate(lines_gross=Sum("lines__total_gross"))
        assert all(o.total_gross == o.lines_gross for o in sums)
        shipped = Order.objects.filter(status__in=["shipped", "delivered"])
        assert not shipped.filter(tracking_number="").exists()
        # Every status change has its history row, dated no earlier than the order.
        assert (
            OrderStatusChange.objects.count() >= 300 + Order.objects.exclude(status="new").count()
        )
        # The event bus ran: timelines (dated by their events), reservations, the inbox.
        assert not EventLog.objects.filter(dispatched_at__isnull=True).exists()
        per_customer = Customer.objects.annotate(n=Count("timeline"))
        assert all(c.n >= 1 for c in per_customer)
        oldest = TimelineEntry.objects.filter(event_type="order.created").order_by("occurred_at")
        assert now - oldest.first().occurred_at > dt.timedelta(days=60)  # type: ignore[union-attr]
        assert StockReservation.objects.filter(status="consumed").exists()
        assert StockReservation.objects.filter(status="active").exists()
        assert Notification.objects.filter(user__isnull=False, read_at__isnull=True).exists()
        assert Notification.objects.filter(read_at__isnull=False).exists()
        # Nobody was texted or e-mailed, and the tenant's triggers are as they were.
        assert not NotificationDelivery.objects.exclude(channel="push").exists()
        assert not WorkflowTrigger.objects.filter(is_enabled=False).exists()
        # The dashboard's daily aggregates count every order, on its (backdated) day.
        assert DailySales.objects.aggregate(n=Sum("orders_count"))["n"] == 300
        assert DailySales.objects.values("day").distinct().count() > 40
    _assert_people(tenant)
    assert_books_balance(tenant)

    before = _snapshot(tenant)
    again = _seed(tenant)

    assert "already has the small demo data; nothing changed" in again
    assert _snapshot(tenant) == before
    assert {t.slug: _snapshot(t) for t in (tenant_a, tenant_b)} == others


def test_large_bulk_path_scaled_down_keeps_the_books(make_tenant, tenant_a):
    tenant = make_tenant(plan_code="enterprise")
    _staff(tenant)
    others = _snapshot(tenant_a)

    out = _seed(tenant, "--size", "large", "--scale", "0.01")

    assert "the customer with" in out
    with tenant_context(tenant):
        assert Customer.objects.count() == 200
        assert Product.objects.count() == 50
        assert Order.objects.count() == 1000
        assert 2.5 < OrderLine.objects.count() / 1000 < 3.5
        assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)
        assert set(Quote.objects.values_list("status", flat=True)) == set(Quote.Status.values)
        assert Order.objects.values("number").distinct().count() == 1000
        sums = Order.objects.annotate(lines_gross=Sum("lines__total_gross"))
        assert all(o.total_gross == o.lines_gross for o in sums)
        # Every history row, timeline entry and event is in place and dispatched.
        assert (
            OrderStatusChange.objects.count() >= 1000 + Order.objects.exclude(status="new").count()
        )
        about_customers = EventLog.objects.filter(
            source_module__in=["customers", "orders", "quotes"]
        )
        assert TimelineEntry.objects.count() == about_customers.count() > 3000
        assert not EventLog.objects.filter(dispatched_at__isnull=True).exists()
        seeded = EventLog.objects.get(entity_type="demo_data").payload
        heavy = Customer.objects.annotate(n=Count("orders")).get(pk=seeded["heavy_customer"]["id"])
        assert heavy.n >= 10 and "VIP" in heavy.tags and seeded["heavy_customer"]["id"] in out
        assert DailySales.objects.aggregate(n=Sum("orders_count"))["n"] == 1000
        assert Notification.objects.exists()
        assert StockMovement.objects.count() > 5000
        # The number series continues after the copied orders.
        last = Order.objects.order_by("-created_at").first()
        assert last is not None
        order = order_create(
            values=order_input({"customer": heavy.pk, "lines": [
                {"description": "Test", "quantity": "1", "unit_price": "1"}]}),
            actor=SYSTEM,
        )  # fmt: skip
        assert int(order.number.rsplit("-", 1)[1]) == 1001
    _assert_people(tenant)
    assert_books_balance(tenant)
    assert _snapshot(tenant_a) == others


@pytest.mark.django_db(databases="__all__")
def test_a_tenant_with_data_of_its_own_is_refused(tenant_a):
    with tenant_context(tenant_a):
        f.CustomerFactory.create()
        with pytest.raises(SeedError, match="has data of its own"):
            seed_demo(size="small")
        assert Customer.objects.count() == 1
        assert not EventLog.objects.filter(entity_type="demo_data").exists()


@pytest.mark.django_db(databases="__all__")
def test_large_needs_a_plan_with_room_for_its_customers(tenant_a):
    # The shared tenants are on the business plan: 5,000 customers at most.
    with tenant_context(tenant_a), pytest.raises(SeedError, match="plan allows 5000"):
        seed_demo(size="large")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-tenant"], "no active tenant no-such-tenant"),
        (["tenant-a", "--size", "huge"], "unknown size huge; choose small or large"),
        (["tenant-a", "--size", "large", "--scale", "lots"], "--scale takes a number"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_code_2(args, message, django_db_setup):
    result = run_manage("seed_demo", *args)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert result.stdout == ""


def test_make_runs_demo_tenant_gets_a_login_per_role_and_its_data_once(
    committed, tmp_path, monkeypatch, settings
):
    from dockpulse.tenancy import platform_context
    from dockpulse.tenancy.registry import registry
    from platform_app.management.commands import ensure_demo
    from tests.support import destroy_tenant

    credentials = tmp_path / "dev-credentials.txt"
    monkeypatch.setattr(ensure_demo, "CREDENTIALS", credentials)
    settings.DEBUG = True
    with platform_context():
        admins_before = set(User.objects.values_list("pk", flat=True))
    try:
        call_command("ensure_demo", stdout=StringIO())
        demo = registry.get("demo")
        assert demo is not None
        lines = dict(line.split(": ", 1) for line in credentials.read_text().splitlines())
        assert credentials.stat().st_mode & 0o777 == 0o600
        assert lines["demo"].startswith("owner@example.com / ")
        assert lines["demo-manager"].startswith("manager@example.com / ")
        assert lines["demo-employee"].startswith("employee@example.com / ")
        with tenant_context(demo):
            roles = dict(User.objects.values_list("email", "role"))
            assert roles == {"owner@example.com": "admin", "manager@example.com": "manager",
                             "employee@example.com": "employee"}  # fmt: skip
            for key, email in (("demo-manager", "manager@example.com"),
                               ("demo-employee", "employee@example.com")):  # fmt: skip
                password = lines[key].split(" / ", 1)[1]
                assert User.objects.get(email=email).check_password(password)
            assert Customer.objects.count() == 50
            # One customer may try the portal: the phone and password on file sign in.
            phone, rest = lines["demo-portal"].split(" / ", 1)
            portal = Customer.objects.get(phone=phone)
            assert portal.is_portal_active and not portal.portal_first_login
            assert check_password(rest.split(" ", 1)[0], portal.portal_password)
        before = _snapshot(demo)

        out = StringIO()
        call_command("ensure_demo", stdout=out)

        assert "Filling the demo tenant" not in out.getvalue()
        assert _snapshot(demo) == before
        assert dict(line.split(": ", 1) for line in credentials.read_text().splitlines()) == lines
    finally:
        destroy_tenant("demo")
        # The platform admin it made: a plain DELETE (the ORM's cascade would look for
        # tenant tables, such as notifications, in the platform database).
        with platform_context():
            made = list(User.objects.exclude(pk__in=admins_before).values_list("pk", flat=True))
        with connections["default"].cursor() as cursor:
            cursor.execute("DELETE FROM users WHERE id = ANY(%s)", [made])
