"""The event bus across real processes: event_log -> NOTIFY -> `listen_events` -> Celery
(a prefork worker on Redis) -> handlers and triggers -> SMS / webhook backends.

These tests commit, each on tenants of its own (no django_db mark).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import threading
import time
from base64 import b64decode, b64encode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.test import override_settings

from dockpulse import events
from dockpulse.actors import SYSTEM
from dockpulse.events.models import EventDelivery, EventLog
from dockpulse.tenancy import tenant_atomic, tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import customer_create, customer_update
from tenant_apps.notifications.inputs import trigger_input
from tenant_apps.notifications.models import NotificationDelivery
from tenant_apps.notifications.services import trigger_create
from tests.bus_support import wait_until
from tests.support import client_for, order_body, seed


def emit_many(tenant: Any, count: int) -> Customer:
    """`count` committed events about one customer, each in its own transaction."""
    with tenant_context(tenant):
        customer = customer_create(
            values=customer_input({"name": "Busy", "phone": "605 000 001"}), actor=SYSTEM
        )
        for i in range(count - 1):
            customer_update(customer=customer, changes={"notes": f"call {i}"}, actor=SYSTEM)
    return customer


def handled_once(tenant: Any, customer: Customer, expected: int) -> bool:
    with tenant_context(tenant):
        rows = EventDelivery.objects.filter(
            event__entity_id=customer.id, handler="customers.timeline"
        )
        done = rows.filter(status="done").count()
        if done < expected:
            return False
        assert rows.count() == expected
        assert set(rows.values_list("attempts", flat=True)) == {1}
        assert customer.timeline.count() == expected
        assert not EventLog.objects.filter(dispatched_at__isnull=True).exists()
        return True


def test_an_api_order_ends_in_exactly_one_sms_to_the_admin(make_tenant, bus):
    tenant = make_tenant()
    with tenant_context(tenant):
        User.objects.filter(email="owner@example.com").update(phone="+48600700800")
    data = seed(tenant)
    bus.start_worker()
    bus.start_listener()
    response = client_for(tenant, "manager").post("/api/v1/orders/", order_body(data),
                                                 format="json")  # fmt: skip
    assert response.status_code == 201
    number = response.json()["number"]
    wait_until(bus.sms, what="the SMS")
    time.sleep(1.5)  # a second copy would arrive by now
    messages = bus.sms()
    assert len(messages) == 1, messages
    assert messages[0]["to"] == "+48600700800"
    assert number in messages[0]["body"]
    with tenant_context(tenant):
        row = NotificationDelivery.objects.get()
        assert (row.status, row.attempts, str(row.id)) == (
            "sent", 1, messages[0]["idempotency_key"],
        )  # fmt: skip
        # The same event reached stock's handler: nothing on hand, so all backordered.
        from tenant_apps.stock.models import StockReservation

        reservation = StockReservation.objects.get(order_id=response.json()["id"])
        assert (reservation.quantity, reservation.backordered) == (0, 2)


def test_events_sent_while_the_listener_is_down_are_all_handled_once(make_tenant, bus):
    tenant = make_tenant()
    bus.start_worker()
    customer = emit_many(tenant, 100)  # nobody listens: every NOTIFY is lost
    time.sleep(0.5)
    assert not handled_once(tenant, customer, 1)
    bus.start_listener()
    wait_until(lambda: handled_once(tenant, customer, 100), what="100 events handled")


def test_events_sent_while_the_worker_is_down_are_all_handled_once(make_tenant, bus):
    tenant = make_tenant()
    bus.start_listener()
    customer = emit_many(tenant, 100)
    time.sleep(0.5)
    with tenant_context(tenant):
        assert EventLog.objects.filter(dispatched_at__isnull=True).count() >= 100
    bus.start_worker()
    wait_until(lambda: handled_once(tenant, customer, 100), what="100 events handled")


def _one_test_event(tenant: Any, event_type: str) -> tuple[Customer, EventLog]:
    with tenant_context(tenant):
        customer = customer_create(
            values=customer_input({"name": "Target", "phone": "605 000 002"}), actor=SYSTEM
        )
        with tenant_atomic():
            event = events.emit(event_type=event_type, source_module="tests",
                                entity_type="customer", entity_id=customer.id)  # fmt: skip
    return customer, event


def _notes(tenant: Any, customer: Customer) -> str:
    with tenant_context(tenant):
        return str(Customer.objects.get(pk=customer.pk).notes)


def test_a_failing_handler_is_retried_with_its_tenant_and_acts_once(make_tenant, bus):
    tenant, bystander = make_tenant(), make_tenant()
    with tenant_context(bystander):
        other = customer_create(
            values=customer_input({"name": "Bystander", "phone": "605 000 002"}), actor=SYSTEM
        )
    bus.start_worker()
    bus.start_listener()
    customer, event = _one_test_event(tenant, "test.flaky")

    def done() -> bool:
        with tenant_context(tenant):
            return EventDelivery.objects.filter(
                event=event, handler="tests.flaky", status="done"
            ).exists()

    wait_until(done, what="the retried handler")
    with tenant_context(tenant):
        row = EventDelivery.objects.get(event=event, handler="tests.flaky")
        assert row.attempts == 2
    time.sleep(1.0)
    assert _notes(tenant, customer) == "x"
    with tenant_context(bystander):
        assert Customer.objects.get(pk=other.pk).notes == ""
        assert not EventDelivery.objects.filter(handler="tests.flaky").exists()


def test_a_killed_worker_child_does_not_lose_the_delivery(make_tenant, bus):
    tenant = make_tenant()
    bus.start_worker()
    bus.start_listener()
    customer, event = _one_test_event(tenant, "test.slow")
    marker = bus.markers / f"slow-{event.event_id}"
    pid = int(wait_until(lambda: marker.exists() and marker.read_text(), what="the slow handler"))
    assert pid != bus.processes["worker"][0].pid  # a prefork child, not the main process
    os.kill(pid, signal.SIGKILL)

    def done() -> bool:
        with tenant_context(tenant):
            return EventDelivery.objects.filter(event=event, handler="tests.slow",
                                                status="done").exists()  # fmt: skip

    wait_until(done, timeout=60, what="the redelivered task")
    assert _notes(tenant, customer) == "x"  # the killed attempt's write rolled back


class _Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    seen: list[tuple[float, dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((time.monotonic(), dict(self.headers), body))
        code = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_a_webhook_is_signed_and_a_500_is_retried_with_backoff(make_tenant, bus):
    _Receiver.answers, _Receiver.seen = [500], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tenant = make_tenant()
    data = seed(tenant)
    try:
        with tenant_context(tenant), override_settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True):
            trigger = trigger_create(values=trigger_input(
                name="ERP", event_type="order.created", action_type="webhook",
                action_config={"url": f"http://127.0.0.1:{server.server_port}/hook"},
            ), actor=SYSTEM)  # fmt: skip
        bus.start_worker()
        bus.start_listener()
        client_for(tenant, "manager").post("/api/v1/orders/", order_body(data), format="json")
        wait_until(lambda: len(_Receiver.seen) >= 2, what="the retried webhook")
    finally:
        server.shutdown()
    secret = b64decode(trigger.action_config["secret"].removeprefix("whsec_"))
    (first, headers1, body1), (second, headers2, body2) = _Receiver.seen[:2]
    for headers, body in ((headers1, body1), (headers2, body2)):
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()
        assert f"v1,{expected}" in headers["webhook-signature"].split()
    assert headers1["webhook-id"] == headers2["webhook-id"]  # one message, two attempts
    assert second - first >= 3.9  # the schedule: the first retry waits 5 s +-20 %
    assert json.loads(body1)["type"] == "order.created"
    with tenant_context(tenant):
        row = NotificationDelivery.objects.get(trigger=trigger)
        assert (row.status, row.attempts) == ("sent", 2)
