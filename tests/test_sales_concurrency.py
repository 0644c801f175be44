"""Sales under concurrency: these tests commit, each on a tenant of its own (no django_db
mark: a flush would wipe the shared tenants)."""

from __future__ import annotations

import threading

from django.db import connections
from django.utils import timezone

from dockpulse.actors import SYSTEM
from dockpulse.errors import StateConflict
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.sales import services
from tenant_apps.sales.inputs import order_input, quote_input
from tenant_apps.sales.models import Order, Quote
from tests.support import order_body, quote_body, seed


def test_concurrent_orders_get_consecutive_numbers(make_tenant):
    tenant = make_tenant()
    data = seed(tenant)
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def create() -> None:
        try:
            barrier.wait()
            with tenant_context(tenant):
                order = services.order_create(values=order_input(order_body(data)), actor=SYSTEM)
                numbers.append(order.number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    year = timezone.localtime().year
    assert sorted(numbers) == [f"ZAM-{year}-{n:03d}" for n in range(1, 21)]


def test_concurrent_accepts_make_exactly_one_order(make_tenant):
    tenant = make_tenant()
    data = seed(tenant)
    with tenant_context(tenant):
        quote = services.quote_create(values=quote_input(quote_body(data)), actor=SYSTEM)
        services.quote_send(quote=quote, actor=SYSTEM)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def accept() -> None:
        try:
            barrier.wait()
            with tenant_context(tenant):
                services.quote_accept(quote=quote, actor=SYSTEM)
            outcomes.append("accepted")
        except StateConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "conflict"]
    with tenant_context(tenant):
        assert Order.objects.count() == 1
        assert Quote.objects.get(pk=quote.pk).order_id == Order.objects.get().pk
        assert EventLog.objects.filter(event_type="quote.accepted").count() == 1
