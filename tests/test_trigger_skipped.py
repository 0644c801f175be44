"""A workflow trigger that finds nobody to message leaves a `skipped` row in the delivery
log saying why, instead of only a log line: a new tenant whose admin has no phone sees why
the default "new order -> SMS to the admins" sent nothing."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from dockpulse.actors import SYSTEM
from dockpulse.events import delivery
from dockpulse.tenancy import get_current_tenant, tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.services import customer_create
from tenant_apps.notifications import services as notify
from tenant_apps.notifications.inputs import trigger_input
from tenant_apps.notifications.models import NotificationDelivery
from tenant_apps.sales.inputs import order_input
from tenant_apps.sales.services import order_create
from tests.support import TEST_PASSWORD, client_for, order_body, seed

pytestmark = pytest.mark.django_db(databases="__all__")

NO_ADMIN_PHONE = "No recipient: no active administrator has a phone number."


def admins_phone(phone: str) -> None:
    User.objects.filter(role="admin").update(phone=phone)


def order_deliveries(order_id) -> list[NotificationDelivery]:
    return list(NotificationDelivery.objects.filter(event__entity_id=order_id))


def test_an_order_whose_admins_have_no_phone_logs_a_skipped_sms(tenant_a):
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        admins_phone("")
        delivery.drain()
        order = order_create(values=order_input(order_body(data)), actor=SYSTEM)
        delivery.drain()
        [row] = order_deliveries(order.id)
        assert row.trigger is not None and row.trigger.code == "order.new.sms_admin"
        assert (row.channel, row.status, row.recipient) == ("sms", "skipped", "")
        assert row.last_error == NO_ADMIN_PHONE
        assert (row.next_attempt_at, row.sent_at, row.attempts) == (None, None, 0)
        # Nothing sends it: not the sweep, not a stray copy of the send task.
        assert notify.deliveries_sweep() == 0
        assert notify.notification_send(delivery_id=row.id) == ("skipped", None)
        # A replayed event finds the row already there: still one.
        call_command("replay_events", "tenant-a", "--type", "order.created", stdout=io.StringIO())
        assert len(order_deliveries(order.id)) == 1
        row.refresh_from_db()
        assert (row.status, row.attempts, row.sent_at) == ("skipped", 0, None)
    log = client_for(tenant_a, "manager").get("/api/v1/notifications/deliveries/?status=skipped")
    assert log.status_code == 200, log.content
    [shown] = [r for r in log.json()["results"] if r["event_type"] == "order.created"]
    assert shown["id"] == str(row.id)
    assert (shown["status"], shown["recipient"], shown["trigger_code"]) == (
        "skipped", "", "order.new.sms_admin",
    )  # fmt: skip
    assert shown["last_error"] == NO_ADMIN_PHONE
    pending = client_for(tenant_a, "manager").get(
        "/api/v1/notifications/deliveries/?status=pending,sending,retry"
    )
    assert str(row.id) not in {r["id"] for r in pending.json()["results"]}


def test_the_tenant_admin_lists_the_skipped_row_with_its_reason(tenant_a):
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        admins_phone("")
        delivery.drain()
        order = order_create(values=order_input(order_body(data)), actor=SYSTEM)
        delivery.drain()
        [row] = order_deliveries(order.id)
    client = Client(HTTP_HOST="tenant-a.localhost")
    client.post("/login/", {"username": "admin@tenant-a.example.com", "password": TEST_PASSWORD})
    listing = client.get("/admin/notifications/notificationdelivery/?status__exact=skipped")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert str(row.pk) in page and NO_ADMIN_PHONE in page
    assert "Skipped: no recipient" in page
    detail = client.get(f"/admin/notifications/notificationdelivery/{row.pk}/change/")
    assert detail.status_code == 200 and NO_ADMIN_PHONE in detail.content.decode()


def test_an_order_whose_admin_has_a_phone_still_sends_the_sms(tenant_a):
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        admins_phone("+48600100200")
        delivery.drain()
        order = order_create(values=order_input(order_body(data)), actor=SYSTEM)
        delivery.drain()
        rows = order_deliveries(order.id)
        assert [(r.channel, r.recipient, r.status, r.last_error) for r in rows] == [
            ("sms", "+48600100200", "pending", "")
        ]
        assert notify.notification_send(delivery_id=rows[0].id)[0] == "sent"


@pytest.mark.parametrize(
    ("action_type", "to", "reason"),
    [
        ("email", "admins", "No recipient: no active administrator has an e-mail address."),
        ("sms", "customer", "No recipient: the customer has no phone number."),
        ("email", "customer", "No recipient: the customer has no e-mail address."),
        ("push", "staff", "No recipient: there is no active staff user."),
    ],
)
def test_the_reason_names_the_audience_and_the_channel(tenant_a, action_type, to, reason):
    with tenant_context(tenant_a):
        trigger = notify.trigger_create(values=trigger_input(
            name="nobody", event_type="customer.created", action_type=action_type,
            action_config={"to": to},
        ), actor=SYSTEM)  # fmt: skip
        delivery.drain()
        if to != "customer":
            # Nobody to reach: every staff user switched off (push) or without an address.
            User.objects.update(is_active=False)
        customer = customer_create(
            values=customer_input({"name": "No Mail", "phone": "603 300 001"}), actor=SYSTEM
        )
        if action_type == "sms":
            # A customer always has a phone; an order's payload may still lack one.
            from tenant_apps.customers.models import Customer

            Customer.objects.filter(pk=customer.pk).update(phone="")
        delivery.drain()
        [row] = NotificationDelivery.objects.filter(trigger=trigger)
        assert (row.status, row.recipient, row.last_error) == ("skipped", "", reason)


def test_the_reason_is_in_the_tenants_language(tenant_a, monkeypatch):
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        polish = dataclasses.replace(get_current_tenant(), language="pl")
        monkeypatch.setattr(
            "tenant_apps.notifications.services.firing.get_current_tenant", lambda: polish
        )
        admins_phone("")
        delivery.drain()
        order = order_create(values=order_input(order_body(data)), actor=SYSTEM)
        with translation.override("en"):  # whatever the process speaks, the tenant's wins
            delivery.drain()
        [row] = order_deliveries(order.id)
        assert row.status == "skipped"
    with translation.override("pl"):
        compiled = translation.gettext(NO_ADMIN_PHONE) != NO_ADMIN_PHONE
    if not compiled:
        pytest.skip("the Polish catalogue is not compiled yet: run `manage.py compilemessages`")
    assert row.last_error == "Brak odbiorcy: żaden aktywny administrator nie ma numeru telefonu."
