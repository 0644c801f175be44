"""Chaos on the event bus: the listener, a worker child and beat killed (SIGKILL) while
1,000 events flow over 20 tenants; a webhook receiver down for "20 minutes".

Effects are counted, not log lines: a handler whose effect is not idempotent (it appends
"x" per run) ran exactly once per event, every event's timeline entry exists, every SMS
delivery row is sent and its idempotency key reached the provider, and a repeat of a send
(at least once, by design) happens only where a process was killed mid-send.
"""

from __future__ import annotations

import collections
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings

from dockpulse import events
from dockpulse.actors import SYSTEM
from dockpulse.events.models import EventDelivery, EventLog
from dockpulse.tenancy import TenantInfo, tenant_atomic, tenant_context
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import customer_create, customer_update
from tenant_apps.notifications.inputs import trigger_input
from tenant_apps.notifications.models import NotificationDelivery, WorkflowTrigger
from tenant_apps.notifications.services import trigger_create
from tests.bus_support import Bus, wait_until
from tests.support import child_pids

pytestmark = pytest.mark.chaos

TENANTS = 20
EVENTS = 1_000
PHONE = "+48600100200"


def _worker_children(bus: Bus) -> list[int]:
    """The prefork pool's processes (children of the worker's main process)."""
    return sorted(child_pids(bus.processes["worker"][0].pid))


def _tenants_with_customers(make_tenant: Any) -> list[tuple[TenantInfo, Customer]]:
    """Twenty tenants, each with a customer and an SMS trigger on its changes."""
    made = []
    for _ in range(TENANTS):
        tenant = make_tenant()
        with tenant_context(tenant):
            trigger_create(values=trigger_input(
                name="Changes", event_type="customer.updated", action_type="sms",
                action_config={"to": [PHONE]},
            ), actor=SYSTEM)  # fmt: skip
            customer = customer_create(
                values=customer_input({"name": "Busy", "phone": "605 000 001"}), actor=SYSTEM
            )
        made.append((tenant, customer))
    return made


def _all_handled(made: list[tuple[TenantInfo, Customer]], per_tenant: int) -> bool:
    for tenant, customer in made:
        with tenant_context(tenant):
            if EventLog.objects.filter(dispatched_at__isnull=True).exists():
                return False
            if customer.timeline.count() < per_tenant:
                return False
            open_sends = NotificationDelivery.objects.exclude(
                status=NotificationDelivery.Status.SENT
            )
            if open_sends.exists() or NotificationDelivery.objects.count() < per_tenant - 1:
                return False
    return True


def _slow_event(tenant: TenantInfo) -> tuple[Customer, EventLog]:
    """A customer of its own with one event whose handler hangs the first time it runs."""
    with tenant_context(tenant):
        target = customer_create(
            values=customer_input({"name": "Target", "phone": "605 000 002"}), actor=SYSTEM
        )
        with tenant_atomic():
            event = events.emit(event_type="test.slow", source_module="tests",
                                entity_type="customer", entity_id=target.id)  # fmt: skip
    return target, event


# make_tenant before bus: the processes stop before the tenants' databases are dropped.
def test_killing_the_listener_a_worker_child_and_beat_loses_and_repeats_nothing(
    make_tenant: Any, bus: Bus
) -> None:
    made = _tenants_with_customers(make_tenant)
    per_tenant = EVENTS // TENANTS  # the creation and 49 changes
    bus.extra_env = {
        # The sweep every 2 s, and a queued delivery presumed lost after 10 s: what a
        # killed process left behind is found within the test's time, not in minutes.
        "EVENTS_SWEEP_SECONDS": "2",
        "EVENTS_STALE_AFTER": "10",
        # Fewer tenant connections per process than tenants: connections are closed and
        # opened as the work moves between tenants (and 20 tenants x 4 processes stay
        # well within the server's connections).
        "TENANT_CONNECTIONS_PER_PROCESS": "4",
    }
    bus.start_worker()
    bus.start_listener()
    bus.start_beat()

    changes = iter(range(per_tenant - 1))
    emitted = TENANTS  # the creations

    def emit(count: int) -> None:
        """`count` more committed events, round robin over the tenants."""
        nonlocal emitted
        for _ in range(count // TENANTS):
            i = next(changes)
            for tenant, customer in made:
                with tenant_context(tenant):
                    customer_update(customer=customer, changes={"notes": f"call {i}"},
                                    actor=SYSTEM)  # fmt: skip
                emitted += 1

    emit(200)
    bus.kill("listener")  # its NOTIFYs are lost from now on until it is back
    emit(160)
    bus.start_listener()
    emit(160)
    # A child killed while it runs a handler: the task is handed to another child and the
    # killed attempt's writes are rolled back.
    target, slow_event = _slow_event(made[0][0])
    marker = bus.markers / f"slow-{slow_event.event_id}"  # the hanging run's process id
    pid = int(wait_until(lambda: marker.exists() and marker.read_text(), what="the slow run"))
    assert pid in _worker_children(bus)
    os.kill(pid, signal.SIGKILL)
    emit(200)
    bus.kill("beat")
    emit(120)
    bus.start_beat()
    emit(EVENTS - emitted)
    assert emitted == EVENTS

    wait_until(
        lambda: _all_handled(made, per_tenant), timeout=120, what="every event handled", every=1
    )
    time.sleep(1.5)  # a repeat would be on its way by now

    sends_per_key: collections.Counter[str] = collections.Counter(
        message["idempotency_key"] for message in bus.sms()
    )
    rows: set[str] = set()
    for tenant, customer in made:
        with tenant_context(tenant):
            # Each event's database effect exactly once: one timeline entry per event, one
            # delivery row per (event, handler), done at the first attempt that committed.
            assert customer.timeline.count() == per_tenant
            timeline = EventDelivery.objects.filter(
                handler="customers.timeline", event__entity_id=customer.id
            )
            assert timeline.count() == per_tenant
            assert set(timeline.values_list("status", flat=True)) == {"done"}
            assert EventLog.objects.filter(entity_id=customer.id).count() == per_tenant
            # The non-idempotent effect: once per event (the creation and 49 changes), none
            # twice (an "x" beyond 50).
            assert Customer.objects.get(pk=customer.pk).address_city == "x" * per_tenant
            sends = NotificationDelivery.objects.all()
            assert sends.count() == per_tenant - 1  # one per change
            rows |= {str(pk) for pk in sends.values_list("pk", flat=True)}
    assert len(rows) == TENANTS * (per_tenant - 1)
    # Every delivery reached the provider; a repeat carries the same idempotency key (the
    # provider drops it) and only a send in the killed child can have been repeated.
    assert set(sends_per_key) == rows
    repeated = [key for key, count in sends_per_key.items() if count > 1]
    assert len(repeated) <= 1, repeated
    assert max(sends_per_key.values()) <= 2
    with tenant_context(made[0][0]):
        # The killed run's write rolled back; the redelivered one committed, once.
        assert Customer.objects.get(pk=target.pk).notes == "x"
        slow = EventDelivery.objects.get(event__entity_id=target.id, handler="tests.slow")
        assert slow.status == "done"
    assert "woke" in bus.log("listener")  # the restarted listener woke every tenant
    assert "signal 9" in bus.log("worker")  # the pool saw its child killed and replaced it
    assert "events-sweep" in bus.log("beat")  # the restarted beat sweeps again


class _FlakyReceiver(BaseHTTPRequestHandler):
    """Answers 503 for `outage` seconds from the first call it gets, then 200."""

    outage = 0.0
    down_since: float | None = None
    seen: list[tuple[str, int]] = []  # (webhook-id, the status answered)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        cls = type(self)
        now = time.monotonic()
        if cls.down_since is None:
            cls.down_since = now
        code = 503 if now < cls.down_since + cls.outage else 200
        type(self).seen.append((self.headers["webhook-id"], code))
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


# The product's schedule (5 s, 5 min, 30 min, 2 h, ...) at 1/200: 20 minutes become 6 s.
SCALE = 200
SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000]


def test_a_receiver_down_for_twenty_minutes_gets_every_event_and_stays_on(
    make_tenant: Any, bus: Bus
) -> None:
    outage = 20 * 60 / SCALE
    _FlakyReceiver.outage, _FlakyReceiver.down_since, _FlakyReceiver.seen = outage, None, []
    tenant = make_tenant()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tenant_context(tenant), override_settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True):
            trigger = trigger_create(values=trigger_input(
                name="ERP", event_type="customer.created", action_type="webhook",
                action_config={"url": f"http://127.0.0.1:{server.server_port}/hook"},
            ), actor=SYSTEM)  # fmt: skip
        bus.extra_env = {
            "NOTIFICATION_RETRY_SCHEDULE": ",".join(str(s / SCALE) for s in SCHEDULE),
            "WEBHOOK_DISABLE_AFTER_DAYS": str(5 / SCALE),
        }
        bus.start_worker()
        bus.start_listener()
        with tenant_context(tenant):
            for i in range(10):
                customer_create(
                    values=customer_input({"name": f"Client {i}", "phone": f"605 000 1{i:02d}"}),
                    actor=SYSTEM,
                )

        def all_sent() -> bool:
            with tenant_context(tenant):
                return NotificationDelivery.objects.filter(status="sent").count() == 10

        wait_until(all_sent, timeout=outage + 40, what="every webhook after the outage")
        time.sleep(1.0)
    finally:
        server.shutdown()
        server.server_close()
    failed = [hook_id for hook_id, code in _FlakyReceiver.seen if code != 200]
    accepted = [hook_id for hook_id, code in _FlakyReceiver.seen if code == 200]
    assert len(failed) >= 20  # each event was refused during the outage, more than once
    assert len(accepted) == len(set(accepted)) == 10  # afterwards each arrived exactly once
    with tenant_context(tenant):
        trigger = WorkflowTrigger.objects.get(pk=trigger.pk)
        # On, and its failure count reset by the first success: the outage left no mark.
        assert (trigger.is_enabled, trigger.consecutive_failures, trigger.failing_since) == (
            True, 0, None,
        )  # fmt: skip
        rows = NotificationDelivery.objects.filter(trigger=trigger)
        assert {str(pk) for pk in rows.values_list("pk", flat=True)} == set(accepted)
        # Failed at once, after 5 s and after 5 min; sent after 30 min (all scaled, +-20 %).
        assert [row.attempts for row in rows] == [4] * 10
        assert not rows.exclude(last_error="").exists()
