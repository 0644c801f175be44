"""Outside sends outlast outages (issue 18, 1): retries over about a day with jitter, a
webhook trigger switched off only after days of failing, and "Send again" for a failed
delivery on the panel and the API -- only in the tenant it belongs to."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from dockpulse.actors import SYSTEM
from dockpulse.events import delivery
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.services import customer_create
from tenant_apps.notifications import services as notify
from tenant_apps.notifications.inputs import trigger_input
from tenant_apps.notifications.models import NotificationDelivery, WorkflowTrigger
from tests.support import assert_error, client_for, host_of, html, panel_client

pytestmark = pytest.mark.django_db(databases="__all__")


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that answers what `status` says (500 while it is "down")."""

    status = 500
    seen = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen += 1
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Any:
    Receiver.status, Receiver.seen = 500, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def _webhook(tenant: Any, server: Any) -> WorkflowTrigger:
    with tenant_context(tenant):
        return notify.trigger_create(values=trigger_input(
            name="ERP", event_type="customer.created", action_type="webhook",
            action_config={"url": f"http://127.0.0.1:{server.server_port}/hook"},
        ), actor=SYSTEM)  # fmt: skip


def _customer(n: int) -> None:
    customer_create(values=customer_input({"name": f"C{n}", "phone": f"604 200 0{n:02d}"}),
                    actor=SYSTEM)  # fmt: skip
    delivery.drain()


def test_the_schedule_goes_from_seconds_to_hours_with_jitter():
    waits = [notify.retry_delay(attempt) for attempt in range(1, 9)]
    assert waits[-1] is None  # 8 attempts: the 8th failure is final
    schedule = [5, 300, 1800, 7200, 18000, 36000, 36000]
    for wait, planned in zip(waits, schedule, strict=False):
        assert wait is not None and 0.8 * planned <= wait <= 1.2 * planned
    assert sum(schedule) / 3600 > 24  # an outage of a day costs a delay, nothing else
    assert len({notify.retry_delay(1) for _ in range(20)}) > 1  # jittered


@override_settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True)
def test_a_long_retry_waits_in_its_row_for_the_sweep_not_in_the_broker(tenant_a, receiver):
    _webhook(tenant_a, receiver)
    with tenant_context(tenant_a):
        _customer(1)
        row = NotificationDelivery.objects.get(status="pending")
        first = notify.notification_send(delivery_id=row.id)
        assert first[0] == "retry" and first[1] is not None and first[1] <= 6  # 5 s: queued
        NotificationDelivery.objects.filter(pk=row.pk).update(status="pending")
        second = notify.notification_send(delivery_id=row.id)  # attempt 2: 5 minutes away
        assert second == ("retry", None)
        row.refresh_from_db()
        assert row.next_attempt_at is not None
        wait = (row.next_attempt_at - timezone.now()).total_seconds()
        assert 0.8 * 300 - 5 <= wait <= 1.2 * 300
        # Not due yet: the sweep leaves it; due: the sweep queues it.
        assert notify.deliveries_sweep() == 0
        NotificationDelivery.objects.filter(pk=row.pk).update(
            next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
        )
        assert notify.deliveries_sweep() == 1


@override_settings(
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True, NOTIFICATION_RETRY_SCHEDULE=[],
    WEBHOOK_DISABLE_AFTER_FAILURES=2,
)  # fmt: skip
def test_a_webhook_trigger_stays_on_through_a_short_outage_and_goes_off_after_days(
    tenant_a, receiver
):
    trigger = _webhook(tenant_a, receiver)
    with tenant_context(tenant_a):
        for n in range(3):
            _customer(n)
            for row in NotificationDelivery.objects.filter(status="pending"):
                assert notify.notification_send(delivery_id=row.id)[0] == "failed"
        trigger.refresh_from_db()
        assert trigger.is_enabled and trigger.consecutive_failures == 3  # minutes, not days
        # The receiver has been failing for longer than WEBHOOK_DISABLE_AFTER_DAYS.
        WorkflowTrigger.objects.filter(pk=trigger.pk).update(
            failing_since=timezone.now() - dt.timedelta(days=6)
        )
        _customer(4)
        row = NotificationDelivery.objects.get(status="pending")
        assert notify.notification_send(delivery_id=row.id)[0] == "failed"
        trigger.refresh_from_db()
        assert not trigger.is_enabled
        assert "failing for 5 days" in trigger.disabled_reason


@override_settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True, NOTIFICATION_RETRY_SCHEDULE=[])
def test_send_again_on_the_page_and_the_api_after_the_receiver_is_back(
    tenant_a, tenant_b, receiver
):
    trigger = _webhook(tenant_a, receiver)
    with tenant_context(tenant_a):
        _customer(1)
        _customer(2)
        rows = list(NotificationDelivery.objects.filter(trigger=trigger))
        for row in rows:
            assert notify.notification_send(delivery_id=row.id)[0] == "failed"
    manager = panel_client(tenant_a, "manager")
    page = html(manager.get("/notifications/deliveries/"))
    assert ("Send again" in page and "HTTP 500" in page) or "500" in page
    # An employee may not read the log, nor send again (the matrix: managers).
    employee = panel_client(tenant_a, "employee")
    assert employee.get("/notifications/deliveries/").status_code == 403
    assert employee.post(f"/notifications/deliveries/{rows[0].pk}/retry/").status_code == 403
    # Tenant B's session and token never reach A's deliveries.
    other = panel_client(tenant_b, "admin")
    assert (
        other.post(
            f"/notifications/deliveries/{rows[0].pk}/retry/", HTTP_HOST=host_of(tenant_a)
        ).status_code
        == 302
    )  # to the sign-in page
    b_api = client_for(tenant_b, "admin")
    assert b_api.post(f"/api/v1/notifications/deliveries/{rows[0].pk}/retry/").status_code == 404

    Receiver.status = 204  # the receiver is back
    with tenant_context(tenant_a):
        sent = manager.post(f"/notifications/deliveries/{rows[0].pk}/retry/")
        assert sent.status_code == 302
        again = NotificationDelivery.objects.get(pk=rows[0].pk)
        assert (again.status, again.attempts) == ("retry", 0)  # a fresh schedule, queued
        assert notify.notification_send(delivery_id=again.pk)[0] == "sent"
    api = client_for(tenant_a, "manager")
    answer = api.post(f"/api/v1/notifications/deliveries/{rows[1].pk}/retry/")
    assert answer.status_code == 200 and answer.json()["status"] == "retry"
    with tenant_context(tenant_a):
        assert notify.notification_send(delivery_id=rows[1].pk)[0] == "sent"
        trigger.refresh_from_db()
        assert trigger.consecutive_failures == 0 and trigger.failing_since is None
    # A sent delivery is not sent again: 409 in words.
    assert_error(api.post(f"/api/v1/notifications/deliveries/{rows[1].pk}/retry/"), 409,
                 "not_retryable")  # fmt: skip


def test_the_delivery_log_page_is_a_constant_number_of_queries(tenant_a):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from tenant_apps.notifications.models import ActionType

    client = panel_client(tenant_a, "manager")
    counts = []
    for total in (1, 8):
        with tenant_context(tenant_a):
            trigger = notify.trigger_create(values=trigger_input(
                name=f"T{total}", event_type="customer.created", action_type="webhook",
                action_config={"url": "https://example.com/hook"},
            ), actor=SYSTEM)  # fmt: skip
            source = EventLog.objects.order_by("-created_at").first()
            if source is None:
                _customer(90)
                source = EventLog.objects.order_by("-created_at").first()
            NotificationDelivery.objects.bulk_create(
                NotificationDelivery(trigger=trigger, event=source, channel=ActionType.WEBHOOK,
                                     recipient=f"https://example.com/{total}/{n}",
                                     status="failed", attempts=1, last_error="HTTP 500")
                for n in range(total)
            )  # fmt: skip
        with CaptureQueriesContext(connections[tenant_a.alias]) as queries:
            assert client.get("/notifications/deliveries/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
