"""Staff turn a customer's portal access on (a password by SMS) and off: the service, the
API action, the buttons on the customer's page; roles, the @portal switch, isolation."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.test import override_settings

from dockpulse.events.handlers import get_handler
from dockpulse.events.models import EventLog
from dockpulse.notify import sms as sms_module
from dockpulse.notify.base import RetryableSendError, SendResult
from dockpulse.notify.sms import BaseSmsBackend, SmsMessage
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer, TimelineEntry
from tenant_apps.customers.portal_access import ALPHABET, portal_credentials_current
from tenant_apps.notifications.models import ActionType, NotificationDelivery
from tests import factories as f
from tests.support import client_for, fields_of, host_of, html, panel_client

pytestmark = [
    pytest.mark.django_db(databases="__all__"),
    pytest.mark.usefixtures("locmem_sms"),
]

PASSWORD = re.compile(rf"password ([{ALPHABET}]{{8}}) ")


@pytest.fixture
def locmem_sms():
    sms_module.outbox.clear()
    with override_settings(SMS_BACKEND="dockpulse.notify.sms.LocmemSmsBackend"):
        yield sms_module.outbox
    sms_module.outbox.clear()


class FailingSmsBackend(BaseSmsBackend):
    """A provider that is down."""

    def send_message(self, message: SmsMessage) -> SendResult:
        raise RetryableSendError("provider down", code="connection")


def customer_of(tenant, **values) -> Customer:
    with tenant_context(tenant):
        return f.CustomerFactory.create(**values)


def fresh(tenant, customer: Customer) -> Customer:
    with tenant_context(tenant):
        return Customer.objects.get(pk=customer.pk)


def sent_password(to: str) -> str:
    """The password in the one SMS sent to `to`."""
    [message] = [m for m in sms_module.outbox if m.to == to]
    match = PASSWORD.search(message.body)
    assert match, message.body
    return match.group(1)


def grant_url(customer: Customer) -> str:
    return f"/api/v1/customers/{customer.pk}/portal-access/"


# --- the service through the API ------------------------------------------------------------


def test_turning_access_on_sends_a_password_by_sms_that_only_the_hash_keeps(tenant_a, caplog):
    customer = customer_of(tenant_a, name="Anna Kowalska")
    client = client_for(tenant_a, "manager")
    with caplog.at_level(logging.DEBUG):
        response = client.post(grant_url(customer))
    assert response.status_code == 200, response.content
    password = sent_password(customer.phone)
    assert len(password) == 8 and set(password) <= set(ALPHABET)
    assert not set(password) & set("0O1lIio")
    [message] = sms_module.outbox
    assert "Company A" in message.body
    assert "https://tenant-a.localhost/portal/" in message.body
    assert "&amp;" not in message.body

    row = fresh(tenant_a, customer)
    assert row.is_portal_active and row.portal_first_login
    assert row.portal_password != password and check_password(password, row.portal_password)
    body = response.json()
    assert body["is_portal_active"] is True
    # Never shown to staff: not in the answer, the event, the timeline or the logs.
    assert password not in response.content.decode()
    assert "password" not in body and "portal_password" not in body
    assert password not in caplog.text
    with tenant_context(tenant_a):
        event = EventLog.objects.filter(entity_id=customer.pk).get()
        get_handler("customers.timeline").func([event])
        summaries = list(TimelineEntry.objects.filter(customer=customer).values_list(
            "summary", flat=True))  # fmt: skip
    assert event.event_type == "customer.updated"
    assert event.payload["changed"] == ["is_portal_active", "portal_password"]
    assert password not in json.dumps(event.payload)
    assert row.portal_password not in json.dumps(event.payload)
    assert summaries and password not in json.dumps(summaries)


def test_no_notification_delivery_row_holds_the_password(tenant_a):
    customer = customer_of(tenant_a)
    with tenant_context(tenant_a):
        # A tenant that messages customers about every change of their record.
        f.WorkflowTriggerFactory.create(
            event_type="customer.updated", action_type=ActionType.SMS,
            action_config={"to": "customer"},
        )  # fmt: skip
    assert client_for(tenant_a).post(grant_url(customer)).status_code == 200
    password = sent_password(customer.phone)
    with tenant_context(tenant_a):
        event = EventLog.objects.get(entity_id=customer.pk)
        get_handler("notifications.triggers").func([event])
        deliveries = list(NotificationDelivery.objects.values_list("body", "subject", "response"))
    assert deliveries, "the trigger made its delivery"
    assert password not in json.dumps(deliveries)


def test_a_new_password_replaces_the_old_one_and_ends_earlier_sessions(tenant_a):
    customer = customer_of(tenant_a)
    client = client_for(tenant_a)
    assert client.post(grant_url(customer)).status_code == 200
    first = sent_password(customer.phone)
    version = fresh(tenant_a, customer).portal_auth_version
    with tenant_context(tenant_a):
        # The customer changed it at the first sign-in (the portal's work, later).
        Customer.objects.filter(pk=customer.pk).update(portal_first_login=False)
    sms_module.outbox.clear()

    assert client.post(grant_url(customer)).status_code == 200
    second = sent_password(customer.phone)
    row = fresh(tenant_a, customer)
    assert second != first
    assert check_password(second, row.portal_password)
    assert not check_password(first, row.portal_password)
    assert row.portal_first_login  # the new one must be changed again
    assert not portal_credentials_current(row, version)
    assert portal_credentials_current(row, row.portal_auth_version)
    with tenant_context(tenant_a):
        event = EventLog.objects.filter(entity_id=customer.pk).order_by("-created_at").first()
    assert event is not None
    assert event.payload["changed"] == ["portal_password", "portal_first_login"]
    assert event.payload["portal_access"] == "renewed"


def test_turning_access_off_clears_the_password_and_voids_sessions(tenant_a):
    customer = customer_of(tenant_a)
    client = client_for(tenant_a)
    client.post(grant_url(customer))
    password = sent_password(customer.phone)
    version = fresh(tenant_a, customer).portal_auth_version

    assert client.delete(grant_url(customer)).status_code == 204
    row = fresh(tenant_a, customer)
    assert not row.is_portal_active and row.portal_password == ""
    assert not check_password(password, row.portal_password)
    assert not portal_credentials_current(row, version)
    assert not portal_credentials_current(row, row.portal_auth_version)
    # Off already: fine, and no second event.
    assert client.delete(grant_url(customer)).status_code == 204
    with tenant_context(tenant_a):
        kinds = list(EventLog.objects.filter(entity_id=customer.pk).values_list(
            "payload__portal_access", flat=True))  # fmt: skip
    assert sorted(kinds) == ["granted", "revoked"]


def test_no_phone_is_400_on_the_phone_field_and_nothing_changes(tenant_a):
    customer = customer_of(tenant_a)
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=customer.pk).update(phone="")
    response = client_for(tenant_a).post(grant_url(customer))
    assert "phone" in fields_of(response)
    assert not fresh(tenant_a, customer).is_portal_active
    assert sms_module.outbox == []


def test_a_landline_is_400_on_the_phone_field(tenant_a):
    customer = customer_of(tenant_a, phone="+48221234567")
    fields = fields_of(client_for(tenant_a).post(grant_url(customer)))
    assert "landline" in fields["phone"][0]
    assert not fresh(tenant_a, customer).is_portal_active
    assert sms_module.outbox == []


@override_settings(SMS_BACKEND="tests.test_portal_access.FailingSmsBackend")
def test_an_sms_that_cannot_be_sent_is_a_409_in_words_and_changes_nothing(tenant_a):
    customer = customer_of(tenant_a)
    response = client_for(tenant_a).post(grant_url(customer))
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "sms_not_sent"
    assert customer.phone in error["message"]
    row = fresh(tenant_a, customer)
    assert not row.is_portal_active and row.portal_password == ""
    with tenant_context(tenant_a):
        assert not EventLog.objects.filter(entity_id=customer.pk).exists()


def test_the_sms_file_backend_holds_the_password(tenant_a, tmp_path):
    customer = customer_of(tenant_a)
    path = tmp_path / "sms.jsonl"
    with override_settings(SMS_BACKEND="dockpulse.notify.sms.FileSmsBackend", SMS_FILE_PATH=path):
        assert client_for(tenant_a).post(grant_url(customer)).status_code == 200
    [line] = path.read_text().splitlines()
    message = json.loads(line)
    assert message["to"] == customer.phone
    match = PASSWORD.search(message["body"])
    assert match and check_password(match.group(1), fresh(tenant_a, customer).portal_password)


def test_customer_writes_cannot_switch_access_on_by_themselves(tenant_a):
    client = client_for(tenant_a)
    created = client.post(
        "/api/v1/customers/", {"name": "Jan", "phone": "602 111 222"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["is_portal_active"] is False
    refused = fields_of(
        client.patch(
            f"/api/v1/customers/{created.json()['id']}/",
            {"is_portal_active": True, "name": ""},
            format="json",
        )
    )
    assert "portal-access" in refused["is_portal_active"][0]
    assert "name" in refused  # said together with the other fields' problems
    # The panel's form has no checkbox for it; a posted one changes nothing.
    panel = panel_client(tenant_a)
    form = html(panel.get("/customers/new/"))
    assert 'name="is_portal_active"' not in form
    panel.post("/customers/new/", {"name": "Ola", "phone": "602 111 333", "is_portal_active": "on"})
    with tenant_context(tenant_a):
        assert not Customer.objects.get(phone="+48602111333").is_portal_active
    assert sms_module.outbox == []


# --- the customer's page ----------------------------------------------------------------------


def test_the_buttons_turn_access_on_send_a_new_password_and_turn_it_off(tenant_a):
    customer = customer_of(tenant_a, name="Anna Kowalska")
    panel = panel_client(tenant_a, "manager")
    page = html(panel.get(f"/customers/{customer.pk}/"))
    assert "Turn on portal access" in page and "data-confirm=" in page
    assert "Turn off portal access" not in page

    done = panel.post(f"/customers/{customer.pk}/portal-access/", follow=True)
    page = html(done)
    assert done.redirect_chain[-1][0] == f"/customers/{customer.pk}/"
    assert f"the password was sent by SMS to {customer.phone}" in page
    password = sent_password(customer.phone)
    assert password not in page
    assert "Send a new password" in page and "Turn off portal access" in page

    sms_module.outbox.clear()
    page = html(panel.post(f"/customers/{customer.pk}/portal-access/", follow=True))
    assert "A new portal password was sent" in page
    assert sent_password(customer.phone) not in page

    page = html(panel.post(f"/customers/{customer.pk}/portal-access/off/", follow=True))
    assert "Portal access for Anna Kowalska is off" in page
    with tenant_context(tenant_a):
        get_handler("customers.timeline").func(list(EventLog.objects.filter(entity_id=customer.pk)))
    history = html(panel.get(f"/customers/{customer.pk}/"))
    for step in ("Portal access turned on", "New portal password sent", "Portal access turned off"):
        assert step in history, step
    assert "Turn on portal access" in page
    assert not fresh(tenant_a, customer).is_portal_active
    assert panel.get(f"/customers/{customer.pk}/portal-access/").status_code == 405


def test_the_page_says_why_when_the_sms_cannot_go(tenant_a):
    customer = customer_of(tenant_a)
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=customer.pk).update(phone="")
    panel = panel_client(tenant_a)
    page = html(panel.post(f"/customers/{customer.pk}/portal-access/", follow=True))
    assert "Add the customer&#x27;s mobile phone number first" in page
    with override_settings(SMS_BACKEND="tests.test_portal_access.FailingSmsBackend"):
        other = customer_of(tenant_a)
        response = panel.post(f"/customers/{other.pk}/portal-access/", follow=True)
    assert response.status_code == 200
    assert "could not be sent" in html(response)
    assert not fresh(tenant_a, other).is_portal_active


# --- roles, the module, isolation -------------------------------------------------------------


def test_an_employee_sees_no_buttons_and_gets_403(tenant_a):
    customer = customer_of(tenant_a)
    employee = panel_client(tenant_a, "employee")
    page = html(employee.get(f"/customers/{customer.pk}/"))
    assert "portal-access" not in page
    assert employee.post(f"/customers/{customer.pk}/portal-access/").status_code == 403
    assert employee.post(f"/customers/{customer.pk}/portal-access/off/").status_code == 403
    api = client_for(tenant_a, "employee")
    assert api.post(grant_url(customer)).status_code == 403
    assert api.delete(grant_url(customer)).status_code == 403
    assert not fresh(tenant_a, customer).is_portal_active
    assert sms_module.outbox == []


def test_everything_is_404_when_the_portal_module_is_off(tenant_a):
    customer = customer_of(tenant_a)
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@portal", is_enabled=False)
    panel = panel_client(tenant_a)
    page = html(panel.get(f"/customers/{customer.pk}/"))
    assert "portal-access" not in page
    assert panel.post(f"/customers/{customer.pk}/portal-access/").status_code == 404
    assert panel.post(f"/customers/{customer.pk}/portal-access/off/").status_code == 404
    api = client_for(tenant_a)
    assert api.post(grant_url(customer)).status_code == 404
    assert api.delete(grant_url(customer)).status_code == 404
    assert client_for(tenant_a, "employee").post(grant_url(customer)).status_code == 404
    assert sms_module.outbox == []


def test_tenant_a_cannot_turn_access_on_or_off_for_a_customer_of_tenant_b(tenant_a, tenant_b):
    theirs = customer_of(tenant_b, name="Beata Tajemnicza")
    # A's session on B's host: the sign-in page.
    panel = panel_client(tenant_a)
    for url in (
        f"/customers/{theirs.pk}/portal-access/",
        f"/customers/{theirs.pk}/portal-access/off/",
    ):
        response = panel.post(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 302 and "/login/" in response["Location"], url
    # B's customer id on A's host: not found.
    panel = panel_client(tenant_a)
    assert panel.post(f"/customers/{theirs.pk}/portal-access/").status_code == 404
    assert panel.post(f"/customers/{theirs.pk}/portal-access/off/").status_code == 404
    api = client_for(tenant_a)
    assert api.post(grant_url(theirs)).status_code == 404
    assert api.delete(grant_url(theirs)).status_code == 404
    # A's token on B's host: refused.
    for answer in (api.post(grant_url(theirs), HTTP_HOST=host_of(tenant_b)),
                   api.delete(grant_url(theirs), HTTP_HOST=host_of(tenant_b))):  # fmt: skip
        assert answer.status_code in (401, 403), answer.content
    assert sms_module.outbox == []
    assert not fresh(tenant_b, theirs).is_portal_active
