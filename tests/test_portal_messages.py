"""The portal's messages: the customer's side of their one thread with the staff, page and
API. The thread in order with who wrote in words, the staff's answers marked read, paging,
writing (PRG, flash, the event, the staff's inbox through the default trigger), errors on
the field, a staff answer announced by SMS through a trigger, and isolation between
customers and tenants; the @portal switch and the forced password change."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dockpulse.actors import customer_actor, staff_actor
from dockpulse.events.models import EventLog
from dockpulse.notify import sms as sms_module
from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.messaging import selectors
from tenant_apps.messaging.models import BODY_MAX_LENGTH, Message
from tenant_apps.messaging.services import message_send
from tenant_apps.notifications import services as notify
from tenant_apps.notifications.models import ActionType, Notification
from tests import factories as f
from tests.portal_support import (  # noqa: F401  (fixtures)
    PHONE,
    locmem_sms,
    module_off,
    portal_bearer,
    portal_customer,
    portal_tokens,
    signed_in,
)
from tests.support import (
    api,
    assert_error,
    bearer,
    client_for,
    field_errors,
    fields_of,
    host_of,
    html,
    panel_client,
    staff_user,
)

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.usefixtures("locmem_sms")]

PAGE = "/portal/messages/"
API = "/api/v1/portal/messages/"
OTHER_PHONE = "+48601999888"
TOO_LONG = "A message may have at most 4000 characters; this one has 4001."
REQUIRED = "password_change_required"


def write(tenant: Any, customer: Any, body: str, *, by: Any = None) -> Message:
    """A message from the customer (by=None) or from the staff user `by`."""
    with tenant_context(tenant):
        actor = staff_actor(by) if by is not None else customer_actor(customer)
        return message_send(customer=customer, body=body, actor=actor)


def bodies(page: str) -> list[str]:
    return [
        re.sub(r"<br>\s*", "\n", b).strip()
        for b in re.findall(r'<div class="pm-body">(.*?)</div>', page, re.S)
    ]


def items(page: str) -> list[tuple[str, str]]:
    """(side, the item's html) of each message on the page, top to bottom."""
    return re.findall(r'<li id="m-[^"]+" class="pm-item (pm-\w+)">(.*?)</li>', page, re.S)


def unread_for_customer(tenant: Any, customer: Any) -> int:
    with tenant_context(tenant):
        return selectors.unread_by_customer_count(customer_id=customer.pk)


def event_of(tenant: Any, message: Message) -> EventLog:
    with tenant_context(tenant):
        return EventLog.objects.get(entity_type="message", entity_id=message.pk)


# --- the page ---------------------------------------------------------------------------------


def test_the_thread_shows_who_wrote_in_words_oldest_first_and_reads_the_staff_answers(tenant_a):
    customer = portal_customer(tenant_a, name="Anna Kowalska")
    employee = staff_user(tenant_a, "employee")
    write(tenant_a, customer, "Do you deliver on Saturdays?")
    write(tenant_a, customer, "Yes, until <b>14:00</b>.\nSee you!", by=employee)
    assert unread_for_customer(tenant_a, customer) == 1

    client = signed_in(tenant_a)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = html(response)
    assert "Messages with Company A" in page
    assert bodies(page) == [
        "Do you deliver on Saturdays?",
        "Yes, until &lt;b&gt;14:00&lt;/b&gt;.\nSee you!",
    ]
    [(mine_side, mine), (theirs_side, theirs)] = items(page)
    # Who wrote, in words: "You" for the customer, the staff member's name and the company.
    assert mine_side == "pm-mine" and '<strong class="pm-who">You</strong>' in mine
    assert theirs_side == "pm-theirs" and employee.get_full_name() in theirs
    assert "Company A" in theirs
    # The answer is new as it is shown, and read from now on; the staff read the question.
    assert ">New</span>" in theirs and ">New</span>" not in mine
    assert "Read by us" in mine
    assert "<time datetime=" in theirs
    assert unread_for_customer(tenant_a, customer) == 0
    assert ">New</span>" not in html(client.get(PAGE))
    # The write form, and the menu entry for this page.
    assert 'name="body"' in page and 'action="/portal/messages/"' in page
    assert '<a href="/portal/messages/" aria-current="page">Messages</a>' in page
    assert "portal-messages.css" in page


def test_an_empty_thread_invites_the_first_message(tenant_a):
    portal_customer(tenant_a)
    page = html(signed_in(tenant_a).get(PAGE))
    assert "No messages yet. Write to us below." in page and 'name="body"' in page


def test_the_customer_writes_the_page_redirects_and_the_staff_inbox_gets_it(tenant_a):
    customer = portal_customer(tenant_a, name="Anna Kowalska")
    staff_user(tenant_a, "employee")
    client = signed_in(tenant_a)
    response = client.post(PAGE, {"body": "  Is my order ready?\r\nThanks  "})
    with tenant_context(tenant_a):
        [message] = Message.objects.filter(customer=customer)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/messages/#m-{message.pk}"
    assert (message.author_kind, message.body) == ("customer", "Is my order ready?\nThanks")
    page = html(client.get(PAGE))
    assert "Message sent. We answer here, in this thread." in page
    assert bodies(page) == ["Is my order ready?\nThanks"] and "Not read by us yet" in page

    event = event_of(tenant_a, message)
    assert event.event_type == "portal.message_sent"
    assert (event.actor_type, event.user_id) == ("customer", customer.pk)
    assert event.payload["customer_id"] == str(customer.pk)
    # A new tenant's default trigger puts it in every staff member's inbox.
    with tenant_context(tenant_a):
        notify.triggers_fire(events=[event])
        users = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
        notes = list(Notification.objects.filter(user__isnull=False))
    assert users and {n.user_id for n in notes} == users
    assert {(n.title, n.body) for n in notes} == {
        ("New message from Anna Kowalska", "Is my order ready? Thanks")
    }


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "Write a message before sending it."),
        ("  \r\n ", "Write a message before sending it."),
        (
            "y" * (BODY_MAX_LENGTH + 1),
            TOO_LONG,
        ),
    ],
)
def test_an_empty_or_too_long_message_comes_back_on_its_field(tenant_a, body, problem):
    customer = portal_customer(tenant_a)
    write(tenant_a, customer, "An earlier question")
    response = signed_in(tenant_a).post(PAGE, {"body": body})
    assert response.status_code == 400
    page = html(response)
    assert problem in field_errors(page, "body")
    assert bodies(page) == ["An earlier question"]  # the thread is still there
    if body.strip():
        assert body in page  # what was typed is kept
    with tenant_context(tenant_a):
        assert Message.objects.filter(customer=customer).count() == 1
        assert not EventLog.objects.filter(
            event_type="portal.message_sent", payload__excerpt=body
        ).exists()


def test_older_and_newer_pages_and_only_the_newest_page_reads(tenant_a):
    customer = portal_customer(tenant_a)
    manager = staff_user(tenant_a, "manager")
    for n in range(1, 26):
        write(tenant_a, customer, f"Note {n}", by=manager)
    client = signed_in(tenant_a)
    older = html(client.get(PAGE + "?page=2"))
    assert bodies(older) == [f"Note {n}" for n in range(1, 6)]
    assert '<a rel="prev" href="/portal/messages/">Newer messages</a>' in older
    assert "Older messages" not in older
    assert unread_for_customer(tenant_a, customer) == 25  # an older page reads nothing
    newest = html(client.get(PAGE))
    assert bodies(newest) == [f"Note {n}" for n in range(6, 26)]  # the latest 20, oldest first
    assert '<a rel="next" href="/portal/messages/?page=2">Older messages</a>' in newest
    assert "Newer messages" not in newest
    assert unread_for_customer(tenant_a, customer) == 0


def test_the_page_runs_the_same_queries_for_1_or_30_messages(tenant_a):
    customer = portal_customer(tenant_a)
    manager = staff_user(tenant_a, "manager")
    client = signed_in(tenant_a)

    def queries() -> int:
        client.get(PAGE)  # the read mark, once
        with CaptureQueriesContext(connections[tenant_a.alias]) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    write(tenant_a, customer, "One", by=manager)
    few = queries()
    for n in range(29):
        write(tenant_a, customer, f"More {n}", by=manager)
    assert queries() == few


# --- a staff answer, announced --------------------------------------------------------------


def test_a_staff_answer_in_the_panel_reaches_the_customer_by_sms_with_the_portal_url(tenant_a):
    customer = portal_customer(tenant_a, name="Anna Kowalska")
    with tenant_context(tenant_a):
        f.WorkflowTriggerFactory.create(
            event_type="message.staff_replied",
            action_type=ActionType.SMS,
            action_config={"to": "customer"},
        )
    write(tenant_a, customer, "When does my order leave?")
    staff = panel_client(tenant_a, "employee")
    response = staff.post(f"/messages/for-customer/{customer.pk}/", {"body": "Today at 15:00."})
    assert response.status_code == 302
    with tenant_context(tenant_a):
        answer = Message.objects.get(customer=customer, author_kind="staff")
        event = EventLog.objects.get(event_type="message.staff_replied", entity_id=answer.pk)
        [delivery] = notify.triggers_fire(events=[event])
        assert notify.notification_send(delivery_id=delivery.pk)[0] == "sent"
    [sms] = [m for m in sms_module.outbox if m.to == PHONE]
    assert "https://tenant-a.localhost/portal/" in sms.body
    assert sms.body.startswith("Company A: You have a new message from us.")
    assert "Today at 15:00." not in sms.body  # the text is read in the portal, not in the SMS
    # And in the portal, the answer is there, new, under the staff member's name.
    page = html(signed_in(tenant_a).get(PAGE))
    [_question, (side, item)] = items(page)
    assert side == "pm-theirs" and "Today at 15:00." in item and ">New</span>" in item
    assert staff_user(tenant_a, "employee").get_full_name() in item


# --- the API ----------------------------------------------------------------------------------


def test_the_api_pages_the_thread_newest_first_and_marks_read_only_when_told(tenant_a):
    customer = portal_customer(tenant_a)
    manager = staff_user(tenant_a, "manager")
    asked = write(tenant_a, customer, "Question")
    answer = write(tenant_a, customer, "Answer", by=manager)
    client = portal_bearer(tenant_a)

    response = client.get(API)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["unread_count"] == 1
    first, second = body["results"]
    assert (first["id"], first["author"], first["body"]) == (str(answer.pk), "staff", "Answer")
    assert first["author_name"] == manager.get_full_name() and first["is_new"] is True
    assert first["read_by_customer_at"] is None
    assert (second["id"], second["author"], second["is_new"]) == (str(asked.pk), "customer", False)
    assert second["read_by_staff_at"] is not None  # answering read it
    # A GET marks nothing; POST read/ does.
    assert unread_for_customer(tenant_a, customer) == 1
    marked = client.post(API + "read/")
    assert marked.status_code == 200 and marked.json() == {"marked": 1, "unread_count": 0}
    assert unread_for_customer(tenant_a, customer) == 0
    again = client.get(API).json()
    assert again["unread_count"] == 0 and again["results"][0]["is_new"] is False
    assert again["results"][0]["read_by_customer_at"] is not None
    # Paged.
    for n in range(30):
        write(tenant_a, customer, f"More {n}", by=manager)
    paged = client.get(API + "?page_size=10&page=2").json()
    assert paged["count"] == 32 and len(paged["results"]) == 10
    assert paged["results"][0]["body"] == "More 19"


def test_the_api_sends_a_message_with_its_event_and_refuses_a_bad_body(tenant_a):
    customer = portal_customer(tenant_a)
    client = portal_bearer(tenant_a)
    response = client.post(API, {"body": " Hello\r\nthere "}, format="json")
    assert response.status_code == 201, response.content
    sent = response.json()
    assert (sent["author"], sent["body"], sent["is_new"]) == ("customer", "Hello\nthere", False)
    with tenant_context(tenant_a):
        message = Message.objects.get(pk=sent["id"])
        assert message.customer_id == customer.pk
    assert event_of(tenant_a, message).event_type == "portal.message_sent"

    for body, problem in (
        ("", "Write a message before sending it."),
        (
            "z" * (BODY_MAX_LENGTH + 1),
            TOO_LONG,
        ),
    ):
        assert fields_of(client.post(API, {"body": body}, format="json")) == {"body": [problem]}
    assert "body" in fields_of(client.post(API, {}, format="json"))
    assert fields_of(client.post(API, {"body": "x", "customer": "y"}, format="json")) == {
        "customer": ["Unknown field."]
    }
    with tenant_context(tenant_a):
        assert Message.objects.filter(customer=customer).count() == 1


def test_the_api_is_in_the_schema_under_portal(tenant_a):
    schema = Client(HTTP_HOST=host_of(tenant_a)).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/portal/messages/"])
    assert "post" in paths["/api/v1/portal/messages/read/"]
    assert paths["/api/v1/portal/messages/"]["get"]["tags"] == ["portal"]


# --- isolation --------------------------------------------------------------------------------


def test_customer_b_s_thread_never_reaches_customer_a(tenant_a):
    anna = portal_customer(tenant_a, name="Anna Kowalska")
    beata = portal_customer(tenant_a, name="Beata Nowak", phone=OTHER_PHONE)
    manager = staff_user(tenant_a, "manager")
    write(tenant_a, anna, "Anna asks")
    theirs = write(tenant_a, beata, "Beata's secret")
    write(tenant_a, beata, "For Beata only", by=manager)

    page = html(signed_in(tenant_a).get(PAGE))
    assert bodies(page) == ["Anna asks"]
    assert "Beata" not in page and str(theirs.pk) not in page
    # Another customer's message id anywhere in the query string changes nothing.
    assert bodies(html(signed_in(tenant_a).get(f"{PAGE}?id={theirs.pk}&customer={beata.pk}"))) == [
        "Anna asks"
    ]
    client = portal_bearer(tenant_a)
    listed = client.get(API).json()
    assert [m["body"] for m in listed["results"]] == ["Anna asks"] and listed["unread_count"] == 0
    assert client.post(API + "read/").json()["marked"] == 0
    assert client.get(f"{API}{theirs.pk}/").status_code == 404  # no message is reachable by id
    # Anna reading and writing touched nothing of Beata's.
    client.post(API, {"body": "Anna again"}, format="json")
    assert unread_for_customer(tenant_a, beata) == 1
    with tenant_context(tenant_a):
        assert list(selectors.thread(beata.pk).values_list("body", flat=True)) == [
            "For Beata only",
            "Beata's secret",
        ]


def test_a_session_and_a_token_of_tenant_a_are_useless_on_tenant_b(tenant_a, tenant_b):
    portal_customer(tenant_a)
    theirs = portal_customer(tenant_b, name="Beata of B")  # the same phone, another account
    write(tenant_b, theirs, "Secret of B")
    client = signed_in(tenant_a)
    for method in (client.get, client.post):
        response = method(PAGE, {"body": "hello B"}, HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 302
        assert response["Location"].startswith("/portal/login/")
    access = portal_tokens(tenant_a).json()["access"]
    b_api = bearer(access, host_of(tenant_b))
    assert_error(b_api.get(API), 401, "token_not_valid")
    assert_error(b_api.post(API, {"body": "hello B"}, format="json"), 401, "token_not_valid")
    with tenant_context(tenant_b):
        assert list(Message.objects.values_list("body", flat=True)) == ["Secret of B"]


def test_staff_tokens_and_no_token_are_refused(tenant_a):
    portal_customer(tenant_a)
    assert client_for(tenant_a).get(API).status_code == 401
    assert api(host_of(tenant_a)).get(API).status_code == 401


# --- the switch and the forced password change ---------------------------------------------


def test_with_the_portal_module_off_the_page_and_the_api_are_404(tenant_a):
    portal_customer(tenant_a)
    client = signed_in(tenant_a)
    api_client = portal_bearer(tenant_a)
    module_off(tenant_a)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"body": "x"}).status_code == 404
    assert api_client.get(API).status_code == 404
    assert api_client.post(API, {"body": "x"}, format="json").status_code == 404
    assert api_client.post(API + "read/").status_code == 404
    with tenant_context(tenant_a):
        assert not Message.objects.exists()


def test_before_the_sms_password_is_changed_the_page_redirects_and_the_api_is_403(tenant_a):
    portal_customer(tenant_a, first_login=True)
    client = signed_in(tenant_a)
    for response in (client.get(PAGE), client.post(PAGE, {"body": "x"})):
        assert response.status_code == 302 and response["Location"] == "/portal/password/"
    api_client = portal_bearer(tenant_a)
    assert_error(api_client.get(API), 403, REQUIRED)
    assert_error(
        api_client.post(API, {"body": "x"}, format="json"), 403, "password_change_required"
    )
    assert_error(api_client.post(API + "read/"), 403, REQUIRED)
    with tenant_context(tenant_a):
        assert not Message.objects.exists()
