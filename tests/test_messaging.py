"""Messages: one thread per customer with the staff. The service both ways (events, limits,
read markers), the section on the customer's page (order, marked read, the reply form with
and without htmx), roles, the @portal switch, query counts, the triggers that announce a
message, and isolation between tenants and between customers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test.utils import CaptureQueriesContext

from dockpulse.actors import SYSTEM, customer_actor, staff_actor
from dockpulse.errors import NotPermitted
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.messaging import selectors
from tenant_apps.messaging.models import BODY_MAX_LENGTH, Message
from tenant_apps.messaging.services import message_send, messages_mark_read
from tenant_apps.notifications import services as notify
from tenant_apps.notifications.models import ActionType, Notification, NotificationDelivery
from tests import factories as f
from tests.support import field_errors, host_of, html, panel_client, staff_user

pytestmark = pytest.mark.django_db(databases="__all__")

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
# What htmx sends for the pager and the reply form: they swap the section's inside.
INSIDE: dict[str, Any] = {**HTMX, "HTTP_HX_TARGET": "customer-messages"}


def url(customer) -> str:
    return f"/messages/for-customer/{customer.pk}/"


def customer_in(tenant, **kw):
    with tenant_context(tenant):
        return f.CustomerFactory.create(is_portal_active=True, **kw)


def write(tenant, customer, body: str, *, by=None) -> Message:
    """A message from the customer (by=None) or from the staff user `by`."""
    with tenant_context(tenant):
        actor = staff_actor(by) if by is not None else customer_actor(customer)
        return message_send(customer=customer, body=body, actor=actor)


def event_of(tenant, message: Message) -> EventLog:
    with tenant_context(tenant):
        return EventLog.objects.get(entity_type="message", entity_id=message.pk)


def bodies(page: str) -> list[str]:
    return [
        re.sub(r"<br>\s*", "\n", b).strip()
        for b in re.findall(r'<div class="thread-body">(.*?)</div>', page, re.S)
    ]


# --- the service ---------------------------------------------------------------------------


def test_a_customer_writes_and_the_staff_answer_each_with_its_event(tenant_a):
    customer = customer_in(tenant_a, name="Anna Kowalska", phone="+48601000111")
    employee = staff_user(tenant_a, "employee")

    asked = write(tenant_a, customer, "  Do you deliver on Saturdays?\r\nThanks!  ")
    assert (asked.author_kind, asked.author_user_id) == ("customer", None)
    assert asked.author_name == "Anna Kowalska"
    assert asked.body == "Do you deliver on Saturdays?\nThanks!"  # trimmed, one kind of newline
    event = event_of(tenant_a, asked)
    assert event.event_type == "portal.message_sent" and event.source_module == "messaging"
    assert (event.actor_type, event.user_id) == ("customer", customer.pk)
    assert event.payload == {
        "customer_id": str(customer.pk),
        "customer_name": "Anna Kowalska",
        "customer_phone": "+48601000111",
        "customer_email": customer.email,
        "message_id": str(asked.pk),
        "author_name": "Anna Kowalska",
        "excerpt": "Do you deliver on Saturdays? Thanks!",
    }

    answer = write(tenant_a, customer, "Yes, until 14:00. " + "x" * 300, by=employee)
    assert (answer.author_kind, answer.author_user_id) == ("staff", employee.pk)
    assert answer.author_name == employee.get_full_name()
    event = event_of(tenant_a, answer)
    assert event.event_type == "message.staff_replied"
    assert (event.actor_type, event.user_id) == ("staff", employee.pk)
    assert event.payload["customer_id"] == str(customer.pk)
    assert event.payload["customer_phone"] == "+48601000111"
    assert event.payload["message_id"] == str(answer.pk)
    assert event.payload["portal_url"] == "https://tenant-a.localhost/portal/"
    excerpt = event.payload["excerpt"]
    assert excerpt.startswith("Yes, until 14:00. xxx") and len(excerpt) == 140
    assert excerpt.endswith("…")
    # Answering read the customer's question; the customer has not read the answer yet.
    with tenant_context(tenant_a):
        asked.refresh_from_db()
        assert asked.read_by_staff_at is not None
        assert selectors.unread_by_customer_count(customer_id=customer.pk) == 1
        assert messages_mark_read(customer=customer, actor=customer_actor(customer)) == 1
        assert selectors.unread_by_customer_count(customer_id=customer.pk) == 0


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "Write a message before sending it."),
        (" \n\t ", "Write a message before sending it."),
        (
            "x" * (BODY_MAX_LENGTH + 1),
            "A message may have at most 4000 characters; this one has 4001.",
        ),
    ],
)
def test_an_empty_or_too_long_message_is_refused_on_its_field(tenant_a, body, problem):
    customer = customer_in(tenant_a)
    with tenant_context(tenant_a), pytest.raises(ValidationError) as refused:
        message_send(customer=customer, body=body, actor=customer_actor(customer))
    assert refused.value.message_dict == {"body": [problem]}
    with tenant_context(tenant_a):
        assert not Message.objects.filter(customer=customer).exists()
        assert not EventLog.objects.filter(event_type="portal.message_sent").exists()
    # Exactly the limit is fine (CRLFs count once).
    write(tenant_a, customer, "x" * (BODY_MAX_LENGTH - 2) + "\r\n")


def test_only_the_customer_and_the_staff_write_in_a_thread(tenant_a):
    mine, other = customer_in(tenant_a), customer_in(tenant_a)
    with tenant_context(tenant_a):
        for actor, customer in (
            (customer_actor(other), mine),  # another customer's thread
            (SYSTEM, mine),
        ):
            with pytest.raises(NotPermitted):
                message_send(customer=customer, body="hello", actor=actor)
        without_portal = f.CustomerFactory.create(is_portal_active=False)
        with pytest.raises(NotPermitted):
            message_send(customer=without_portal, body="hi", actor=customer_actor(without_portal))
        with pytest.raises(NotPermitted):
            messages_mark_read(customer=mine, actor=customer_actor(other))
        assert not Message.objects.exists()


# --- what announces a message --------------------------------------------------------------


def test_a_customers_message_reaches_the_staff_inbox_through_a_push_trigger(tenant_a):
    customer = customer_in(tenant_a, name="Anna Kowalska")
    staff = [staff_user(tenant_a, role) for role in ("employee", "manager")]
    with tenant_context(tenant_a):
        f.WorkflowTriggerFactory.create(
            event_type="portal.message_sent", action_type=ActionType.PUSH,
            action_config={"to": "staff"},
        )  # fmt: skip
    message = write(tenant_a, customer, "Is my order ready?")
    with tenant_context(tenant_a):
        notify.triggers_fire(events=[event_of(tenant_a, message)])
        users = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
        notes = list(Notification.objects.filter(user__isnull=False))
        assert {n.user_id for n in notes} == users and {u.pk for u in staff} <= users
        assert {(n.title, n.body) for n in notes} == {
            ("New message from Anna Kowalska", "Is my order ready?")
        }


@pytest.mark.parametrize(
    ("channel", "recipient"), [(ActionType.SMS, "+48601000222"), (ActionType.EMAIL, "anna@x.pl")]
)
def test_a_staff_answer_is_announced_to_the_customer_by_a_trigger(tenant_a, channel, recipient):
    customer = customer_in(tenant_a, name="Anna", phone="+48601000222", email="anna@x.pl")
    with tenant_context(tenant_a):
        f.WorkflowTriggerFactory.create(
            event_type="message.staff_replied",
            action_type=channel,
            action_config={"to": "customer"},
        )
    answer = write(tenant_a, customer, "Your order leaves today.", by=staff_user(tenant_a))
    with tenant_context(tenant_a):
        [row] = notify.triggers_fire(events=[event_of(tenant_a, answer)])
        assert (row.channel, row.recipient, row.status) == (channel, recipient, "pending")
        assert "https://tenant-a.localhost/portal/" in row.body
        if channel == ActionType.EMAIL:
            assert row.subject == "[Company A] You have a new message"
            assert "Your order leaves today." in row.body and "Hello Anna," in row.body
        else:
            assert row.body.startswith("Company A: You have a new message from us.")
        assert NotificationDelivery.objects.count() == 1


# --- the section on the customer's page ----------------------------------------------------


def test_the_section_shows_the_thread_oldest_first_and_marks_the_customers_messages_read(
    tenant_a,
):
    customer = customer_in(tenant_a, name="Anna Kowalska")
    manager = staff_user(tenant_a, "manager")
    write(tenant_a, customer, "First question")
    write(tenant_a, customer, "Answer <b>one</b>\nsecond line", by=manager)
    write(tenant_a, customer, "Second question")
    with tenant_context(tenant_a):
        assert selectors.unread_by_staff_count(customer_id=customer.pk) == 1
        assert selectors.unread_by_staff_per_customer([customer.pk]) == {customer.pk: 1}

    client = panel_client(tenant_a, "employee")
    detail = html(client.get(f"/customers/{customer.pk}/"))
    assert f'hx-get="{url(customer)}" hx-trigger="load"' in detail
    assert f'<a href="{url(customer)}">' in detail  # without JavaScript

    response = client.get(url(customer), **HTMX)
    page = html(response)
    assert response.status_code == 200 and "<html" not in page
    assert bodies(page) == [
        "First question", "Answer &lt;b&gt;one&lt;/b&gt;\nsecond line", "Second question"
    ]  # fmt: skip
    # Who wrote is said in words, not only by colour or side.
    items = re.findall(r'<li class="thread-item (from-\w+)">(.*?)</li>', page, re.S)
    assert [kind for kind, _ in items] == ["from-customer", "from-staff", "from-customer"]
    assert ">Customer</span>" in items[0][1] and "Anna Kowalska" in items[0][1]
    assert ">Staff</span>" in items[1][1] and manager.get_full_name() in items[1][1]
    # The customer wrote again after it: they had the answer in front of them.
    assert "Read by the customer" in items[1][1]
    assert ">New</span>" in items[2][1] and ">New</span>" not in items[0][1]
    assert 'name="body"' in page and f'hx-post="{url(customer)}"' in page
    with tenant_context(tenant_a):
        assert selectors.unread_by_staff_count(customer_id=customer.pk) == 0
        assert selectors.unread_by_staff_per_customer([customer.pk]) == {}
    # Seen: the next opening marks nothing new.
    assert ">New</span>" not in html(client.get(url(customer), **HTMX))
    # The page of its own, without JavaScript.
    full = html(client.get(url(customer)))
    assert "<html" in full and "Messages with Anna Kowalska" in full and "Second question" in full


def test_a_customer_without_portal_access_is_said_so_and_an_empty_thread_says_so(tenant_a):
    with tenant_context(tenant_a):
        customer = f.CustomerFactory.create(name="Jan Nowak", is_portal_active=False)
    page = html(panel_client(tenant_a).get(url(customer), **HTMX))
    assert "Jan Nowak has no portal access" in page and "No messages yet." in page


def test_an_employee_replies_with_htmx_and_the_thread_is_swapped(tenant_a):
    customer = customer_in(tenant_a)
    write(tenant_a, customer, "Hello?")
    client = panel_client(tenant_a, "employee")
    response = client.post(url(customer), {"body": "Hello, how can we help?"}, **INSIDE)
    page = html(response)
    assert response.status_code == 200 and "<html" not in page
    # The section's inside, for the section that stays in the page.
    assert 'id="customer-messages"' not in page and 'hx-target="#customer-messages"' in page
    assert bodies(page) == ["Hello?", "Hello, how can we help?"]
    assert "Message sent to" in page and "data-focus" in page
    assert "Not read by the customer yet" in page
    assert re.search(r"<textarea[^>]*>\s*</textarea>", page)  # an empty form for the next one
    employee = staff_user(tenant_a, "employee")
    with tenant_context(tenant_a):
        [reply] = Message.objects.filter(author_kind="staff")
        assert reply.author_user_id == employee.pk
        assert EventLog.objects.filter(event_type="message.staff_replied").count() == 1


def test_a_reply_without_javascript_redirects_back_to_the_thread(tenant_a):
    customer = customer_in(tenant_a, name="Anna Kowalska")
    client = panel_client(tenant_a, "admin")
    response = client.post(url(customer), {"body": "We ship tomorrow."})
    assert response.status_code == 302 and response["Location"] == url(customer)
    page = html(client.get(response["Location"]))
    assert "Message sent to Anna Kowalska." in page and bodies(page) == ["We ship tomorrow."]


@pytest.mark.parametrize("htmx", [True, False])
def test_a_bad_reply_comes_back_with_the_error_on_its_field(tenant_a, htmx):
    customer = customer_in(tenant_a)
    client = panel_client(tenant_a, "employee")
    extra = INSIDE if htmx else {}
    for body, problem in (
        ("   ", "Write a message before sending it."),
        ("y" * 4001, "A message may have at most 4000 characters; this one has 4001."),
    ):
        response = client.post(url(customer), {"body": body}, **extra)
        assert response.status_code == (200 if htmx else 400)
        page = html(response)
        assert problem in field_errors(page, "body")
        assert ("<html" in page) is not htmx
        if body.strip():
            assert "y" * 4001 in page  # what was typed is kept
    with tenant_context(tenant_a):
        assert not Message.objects.exists()


def test_every_role_reads_and_answers(tenant_a):
    customer = customer_in(tenant_a)
    for role in ("employee", "manager", "admin"):
        client = panel_client(tenant_a, role)
        page = html(client.get(url(customer), **HTMX))
        assert 'name="body"' in page, role
        assert client.post(url(customer), {"body": f"from {role}"}).status_code == 302
    with tenant_context(tenant_a):
        assert Message.objects.filter(customer=customer).count() == 3


def test_the_section_follows_the_portal_module(tenant_a):
    customer = customer_in(tenant_a)
    client = panel_client(tenant_a)
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@portal", is_enabled=False)
    assert client.get(url(customer)).status_code == 404
    assert client.post(url(customer), {"body": "hi"}).status_code == 404
    assert "/messages/for-customer/" not in html(client.get(f"/customers/{customer.pk}/"))


def test_the_section_pages_back_and_runs_the_same_queries_for_1_or_30_messages(
    tenant_a, django_assert_num_queries
):
    few, many = customer_in(tenant_a), customer_in(tenant_a)
    write(tenant_a, few, "only one")
    for n in range(30):
        write(tenant_a, many, f"message {n}")
    client = panel_client(tenant_a)
    client.get("/customers/")  # what a first request caches
    tenant_db = connections[tenant_a.alias]
    # The first opening also marks them read: compare openings that do the same work.
    client.get(url(few), **HTMX)
    client.get(url(many), **HTMX)
    with CaptureQueriesContext(tenant_db) as one:
        client.get(url(few), **HTMX)
    with django_assert_num_queries(len(one), connection=tenant_db):
        page = html(client.get(url(many), **HTMX))
    # The latest 20, oldest of them first, and a link to the older ones.
    assert bodies(page) == [f"message {n}" for n in range(10, 30)]
    assert f'hx-get="{url(many)}?page=2"' in page and "Older messages" in page
    older = html(client.get(url(many), {"page": 2}, **INSIDE))
    assert 'id="customer-messages"' not in older and "data-focus" in older
    assert bodies(older) == [f"message {n}" for n in range(10)]
    assert "Newer messages" in older and "Older messages" not in older


def test_the_first_opening_marks_read_in_a_constant_number_of_queries(
    tenant_a, django_assert_num_queries
):
    few, many = customer_in(tenant_a), customer_in(tenant_a)
    write(tenant_a, few, "only one")
    for n in range(30):
        write(tenant_a, many, f"message {n}")
    client = panel_client(tenant_a)
    client.get("/customers/")
    tenant_db = connections[tenant_a.alias]
    with CaptureQueriesContext(tenant_db) as one:
        client.get(url(few), **HTMX)
    with django_assert_num_queries(len(one), connection=tenant_db):
        client.get(url(many), **HTMX)
    with tenant_context(tenant_a):
        assert selectors.unread_by_staff_count() == 0


# --- isolation -----------------------------------------------------------------------------


def test_a_session_of_tenant_a_is_a_stranger_on_tenant_b(tenant_a, tenant_b):
    theirs = customer_in(tenant_b, name="Beata Tajemnicza")
    write(tenant_b, theirs, "Secret of B")
    client = panel_client(tenant_a)
    for method in (client.get, client.post):
        response = method(url(theirs), HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert "Secret of B" not in html(response)
    # B's customer id on A's host: not found, and nothing written anywhere.
    client = panel_client(tenant_a)
    assert client.get(url(theirs), **HTMX).status_code == 404
    assert client.post(url(theirs), {"body": "hello B"}).status_code == 404
    with tenant_context(tenant_b):
        assert list(Message.objects.values_list("body", flat=True)) == ["Secret of B"]
        assert selectors.unread_by_staff_count() == 1  # still unread: A's staff saw nothing


def test_a_customers_thread_never_shows_another_customers_messages(tenant_a):
    anna, beata = customer_in(tenant_a), customer_in(tenant_a)
    write(tenant_a, anna, "Anna asks")
    write(tenant_a, beata, "Beata asks")
    client = panel_client(tenant_a)
    assert bodies(html(client.get(url(anna), **HTMX))) == ["Anna asks"]
    client.post(url(anna), {"body": "For Anna"}, **INSIDE)
    assert bodies(html(client.get(url(beata), **HTMX))) == ["Beata asks"]
    with tenant_context(tenant_a):
        # Opening Anna's thread read only Anna's messages.
        assert selectors.unread_by_staff_per_customer([anna.pk, beata.pk]) == {}
        assert list(selectors.thread(anna.pk).values_list("body", flat=True)) == [
            "For Anna", "Anna asks"
        ]  # fmt: skip


# --- the list of threads -------------------------------------------------------------------


def rows_of(page: str) -> list[str]:
    return re.findall(r'<a href="/messages/for-customer/[^"]+/">([^<]+)</a>', page)


def test_the_list_shows_every_thread_latest_first_and_the_unread_tab(tenant_a, tenant_b):
    anna = customer_in(tenant_a, name="Anna Kowalska")
    beata = customer_in(tenant_a, name="Beata Nowak")
    customer_in(tenant_a, name="Celina Cicha")  # never wrote: no thread
    write(tenant_a, anna, "Anna asks")
    write(tenant_a, beata, "Beata asks")
    write(tenant_a, anna, "We answer Anna", by=staff_user(tenant_a))
    theirs = customer_in(tenant_b, name="Dorota Obca")
    write(tenant_b, theirs, "B's secret")

    client = panel_client(tenant_a, "employee")
    assert 'href="/messages/">Messages</a>' in html(client.get("/"))  # the side menu
    page = html(client.get("/messages/"))
    assert rows_of(page) == ["Anna Kowalska", "Beata Nowak"]  # Anna's thread moved last
    assert "We answer Anna" in page and "1 new" in page and "Dorota" not in page
    assert re.search(r"All <span class=\"count\">2</span>", page)
    assert re.search(r"Unread <span class=\"count\">1</span>", page)
    unread = html(client.get("/messages/", {"status": "unread"}))
    assert rows_of(unread) == ["Beata Nowak"]
    client.get(url(beata), **HTMX)  # read
    assert "Nothing unread" in html(client.get("/messages/", {"status": "unread"}))


def test_the_list_runs_the_same_queries_for_1_or_30_threads(tenant_a, django_assert_num_queries):
    write(tenant_a, customer_in(tenant_a), "first")
    client = panel_client(tenant_a)
    client.get("/messages/")
    tenant_db = connections[tenant_a.alias]
    with CaptureQueriesContext(tenant_db) as one:
        client.get("/messages/")
    for n in range(29):
        write(tenant_a, customer_in(tenant_a), f"thread {n}")
    with django_assert_num_queries(len(one), connection=tenant_db):
        page = html(client.get("/messages/"))
    assert len(rows_of(page)) == 25 and "1\N{EN DASH}25 of 30" in page
    assert len(rows_of(html(client.get("/messages/", {"page": 2})))) == 5


def test_the_tenant_admin_lists_messages_read_only(tenant_a):
    customer = customer_in(tenant_a, name="Anna Kowalska")
    write(tenant_a, customer, "Visible in the admin")
    client = panel_client(tenant_a, "admin")
    page = client.get("/admin/messaging/message/")
    assert page.status_code == 200 and "Visible in the admin" in html(page)
    assert client.get("/admin/messaging/message/add/").status_code == 403
