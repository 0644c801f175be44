"""Stock under concurrency (docs/stock.md, "Locking"). These tests commit, each on a tenant of its
own (no django_db mark: a flush would wipe the shared tenants); every thread closes its
connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connections
from django.db.models import Sum

from dockpulse.actors import SYSTEM
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.stock import services
from tenant_apps.stock.models import StockReservation
from tests.support import assert_books_balance, handle, level_of, make_order, numbers, receive, seed

D = Decimal


def run_together(calls: list[Callable[[], Any]]) -> list[BaseException]:
    """Start every call at the same moment, each in its own thread; return their errors."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_fifty_reservations_of_one_unit_on_ten_never_oversell(make_tenant):
    tenant = make_tenant()
    data = seed(tenant)
    receive(tenant, data["P1"], "10")
    orders = [make_order(tenant, data, (data["P1"], "1")) for _ in range(50)]

    errors = run_together([partial(handle, tenant, order) for order in orders])

    assert errors == []
    assert numbers(level_of(tenant, data["P1"])) == (D(10), D(10), D(0))
    with tenant_context(tenant):
        rows = StockReservation.objects.filter(status="active")
        assert rows.count() == 50
        totals = rows.aggregate(reserved=Sum("quantity"), backordered=Sum("backordered"))
        assert (totals["reserved"], totals["backordered"]) == (D(10), D(40))
        assert rows.filter(quantity=1).count() == 10
        assert EventLog.objects.filter(event_type="stock.reserved").count() == 50
    assert_books_balance(tenant)


def test_two_line_orders_in_opposite_orders_do_not_deadlock(make_tenant):
    tenant = make_tenant()
    data = seed(tenant)
    first, second = data["P1"], data["P3"]
    receive(tenant, first, "1000")
    receive(tenant, second, "1000")
    orders = [
        make_order(tenant, data, (first, "2"), (second, "3"))
        if i % 2
        else make_order(tenant, data, (second, "3"), (first, "2"))
        for i in range(40)
    ]

    errors = run_together([partial(handle, tenant, order) for order in orders])

    assert errors == []  # no deadlock detected, nothing failed
    assert numbers(level_of(tenant, first)) == (D(1000), D(80), D(920))
    assert numbers(level_of(tenant, second)) == (D(1000), D(120), D(880))
    with tenant_context(tenant):
        assert StockReservation.objects.filter(status="active", backordered=0).count() == 80
    assert_books_balance(tenant)


def test_the_same_event_handled_at_once_by_many_workers_reserves_once(make_tenant):
    tenant = make_tenant()
    data = seed(tenant)
    receive(tenant, data["P1"], "10")
    order = make_order(tenant, data, (data["P1"], "4"), (data["P1"], "1"))

    errors = run_together([lambda: handle(tenant, order) for _ in range(10)])

    assert errors == []
    assert numbers(level_of(tenant, data["P1"])) == (D(10), D(5), D(5))
    with tenant_context(tenant):
        assert StockReservation.objects.count() == 2
        assert EventLog.objects.filter(event_type="stock.reserved").count() == 1
    assert_books_balance(tenant)


def test_adjustments_racing_reservations_never_break_the_books(make_tenant):
    """Stocktake corrections (-1 each) racing orders: the stock never goes below what is
    reserved; each adjustment either succeeds or is refused with a field message."""
    tenant = make_tenant()
    data = seed(tenant)
    receive(tenant, data["P1"], "10")
    level = level_of(tenant, data["P1"])
    with tenant_context(tenant):
        services.stock_level_update(level=level, low_stock_threshold=D(5), actor=SYSTEM)
    orders = [make_order(tenant, data, (data["P1"], "1")) for _ in range(10)]

    def adjust() -> None:
        with tenant_context(tenant):
            services.stock_adjust(
                product=data["P1"], quantity=D(-1), reason="stocktake", actor=SYSTEM
            )

    calls: list[Callable[[], Any]] = [partial(handle, tenant, order) for order in orders]
    errors = run_together(calls + [adjust] * 10)

    from django.core.exceptions import ValidationError

    assert all(isinstance(e, ValidationError) for e in errors), errors
    on_hand, reserved, available = numbers(level_of(tenant, data["P1"]))
    assert on_hand == D(10 - (10 - len(errors)))
    assert D(0) <= reserved <= on_hand and available >= 0
    with tenant_context(tenant):
        # Available went from 10 to below 5 exactly once.
        assert EventLog.objects.filter(event_type="stock.low").count() == 1
    assert_books_balance(tenant)
