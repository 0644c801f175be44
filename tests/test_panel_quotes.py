"""The quote pages of the staff panel: the list (tabs with counts, filters, sort, CSV), the
expired marking, a quote's page with exactly the buttons its state allows, the actions
(send with the PDF by e-mail, accept on the customer's behalf, reject with a reason,
convert once however often it is clicked), roles, query counts and tenant isolation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dockpulse.actors import SYSTEM, staff_actor
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer
from tenant_apps.sales import services
from tenant_apps.sales.inputs import quote_input
from tenant_apps.sales.models import Order, Quote
from tests.support import field_errors, host_of, html, panel_client, quote_body, seed, staff_user

# Not module-wide: the concurrency test commits on a tenant of its own (make_tenant).
db = pytest.mark.django_db(databases="__all__")


def today(tenant: Any) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(tenant.time_zone))


def make_quote(tenant: Any, data: dict[str, Any], *, lines: int = 0, **extra: Any) -> Quote:
    """A draft through the service, handled by the tenant's manager; `lines` plain lines
    instead of quote_body's two."""
    body = quote_body(data, **extra)
    if lines:
        body["lines"] = [
            {"description": f"Item {n}", "quantity": "1", "unit_price": "10"} for n in range(lines)
        ]
    manager = staff_user(tenant, "manager")
    with tenant_context(tenant):
        return services.quote_create(values=quote_input(body), actor=staff_actor(manager))


def sent_quote(tenant: Any, data: dict[str, Any], **extra: Any) -> Quote:
    quote = make_quote(tenant, data, **extra)
    with tenant_context(tenant):
        return services.quote_send(quote=quote, actor=SYSTEM, email=False).quote


def reload(tenant: Any, quote: Quote) -> Quote:
    with tenant_context(tenant):
        return Quote.objects.select_related("order").get(pk=quote.pk)


def past_due(tenant: Any, quote: Quote, days: int = 1) -> None:
    """As if the quote's date passed (the hourly job has not run yet)."""
    with tenant_context(tenant):
        Quote.objects.filter(pk=quote.pk).update(
            valid_until=today(tenant) - dt.timedelta(days=days)
        )


def tab_count(page: str, label: str) -> int:
    match = re.search(rf">{label} <span class=\"count\">(\d+)</span>", page)
    assert match, label
    return int(match.group(1))


def messages_of(page: str) -> str:
    return " ".join(re.findall(r'<p class="message[^"]*"[^>]*>(.*?)</p>', page, re.S))


# --- the list ----------------------------------------------------------------------------


@db
def test_list_tabs_count_under_the_other_filters_and_mark_expired_quotes(tenant_a):
    data = seed(tenant_a)
    draft = make_quote(tenant_a, data)
    live = sent_quote(tenant_a, data)
    overdue = sent_quote(tenant_a, data)
    past_due(tenant_a, overdue)
    client = panel_client(tenant_a, "manager")

    page = html(client.get("/quotes/"))
    assert tab_count(page, "All") == 3
    assert tab_count(page, "Draft") == 1
    assert tab_count(page, "Sent") == 1  # the overdue one counts as expired
    assert tab_count(page, "Expired") == 1
    assert "(sent, date passed)" in page

    expired = html(client.get("/quotes/", {"status": "expired"}))
    assert overdue.number in expired and live.number not in expired
    assert draft.number not in expired
    assert 'name="status" value="expired"' in expired  # filtering keeps the tab

    # The tabs count under the other filters: the search leaves one quote.
    searched = html(client.get("/quotes/", {"q": draft.number}))
    assert tab_count(searched, "All") == 1 and tab_count(searched, "Draft") == 1
    assert tab_count(searched, "Sent") == 0


@db
def test_list_filters_by_customer_staff_dates_and_sorts(tenant_a):
    data = seed(tenant_a)
    first = make_quote(tenant_a, data)
    with tenant_context(tenant_a):
        other = Customer.objects.create(name="Zenon Inny", phone="+48601000999")
    second = make_quote(tenant_a, data, customer=str(other.pk))
    admin = staff_user(tenant_a, "admin")
    with tenant_context(tenant_a):
        Quote.objects.filter(pk=second.pk).update(
            assigned_to=admin, created_at=timezone.now() - dt.timedelta(days=10)
        )
    client = panel_client(tenant_a, "manager")

    by_customer = html(client.get("/quotes/", {"customer": str(other.pk)}))
    assert second.number in by_customer and first.number not in by_customer
    assert "Customer: <strong>Zenon Inny</strong>" in by_customer
    by_name = html(client.get("/quotes/", {"q": "zenon"}))
    assert second.number in by_name and first.number not in by_name
    by_staff = html(client.get("/quotes/", {"assigned_to": str(admin.pk)}))
    assert second.number in by_staff and first.number not in by_staff
    two_days_ago, five_days_ago = (str(today(tenant_a) - dt.timedelta(days=n)) for n in (2, 5))
    recent = html(client.get("/quotes/", {"created_from": two_days_ago}))
    assert first.number in recent and second.number not in recent
    older = html(client.get("/quotes/", {"created_to": five_days_ago}))
    assert second.number in older and first.number not in older

    newest_first = html(client.get("/quotes/"))
    assert newest_first.index(first.number) < newest_first.index(second.number)
    by_number = html(client.get("/quotes/", {"sort": "-number"}))
    assert by_number.index(second.number) < by_number.index(first.number)

    live = client.get("/quotes/", {"q": first.number}, HTTP_HX_REQUEST="true")
    assert live.status_code == 200
    assert html(live).lstrip().startswith('<section id="quote-results"')
    assert "Vary" in live and "HX-Request" in live["Vary"]


@db
def test_export_follows_the_filters_and_shows_the_status_as_the_list(tenant_a):
    data = seed(tenant_a)
    draft = make_quote(tenant_a, data)
    overdue = sent_quote(tenant_a, data)
    past_due(tenant_a, overdue)
    client = panel_client(tenant_a, "employee")
    response = client.get("/quotes/export.csv", {"status": "expired"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="quotes.csv"' in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("number;status;customer;")
    assert len(lines) == 2 and lines[1].startswith(f"{overdue.number};expired;Anna Kowalska;")
    assert draft.number not in body
    everything = client.get("/quotes/export.csv").content.decode("utf-8-sig")
    assert draft.number in everything and "602.59" in everything


@db
def test_list_and_detail_run_the_same_queries_for_1_and_30(tenant_a):
    data = seed(tenant_a)
    client = panel_client(tenant_a, "manager")
    tenant_db = connections[tenant_a.alias]
    small = sent_quote(tenant_a, data, lines=1)
    with tenant_context(tenant_a):
        services.quote_accept(quote=small, actor=SYSTEM)
    client.get("/quotes/")  # warm up what a first request caches
    client.get(f"/quotes/{small.pk}/")
    with CaptureQueriesContext(tenant_db) as list_one:
        assert client.get("/quotes/").status_code == 200
    with CaptureQueriesContext(tenant_db) as detail_one:
        assert client.get(f"/quotes/{small.pk}/").status_code == 200

    for _ in range(29):
        make_quote(tenant_a, data, lines=2)
    big = sent_quote(tenant_a, data, lines=30)
    with tenant_context(tenant_a):
        services.quote_accept(quote=big, actor=staff_actor(staff_user(tenant_a, "manager")))
    with CaptureQueriesContext(tenant_db) as list_many:
        page = html(client.get("/quotes/"))
    assert page.count('<td class="nowrap"><a href="/quotes/') == 25
    with CaptureQueriesContext(tenant_db) as detail_many:
        detail = html(client.get(f"/quotes/{big.pk}/"))
    assert "Item 29" in detail
    assert len(list_many) == len(list_one), [q["sql"] for q in list_many]
    assert len(detail_many) == len(detail_one), [q["sql"] for q in detail_many]
    # A list row loads no lines.
    assert not any("quote_lines" in q["sql"] for q in list_many)


# --- the detail and its buttons ----------------------------------------------------------


def buttons(page: str) -> set[str]:
    found = set()
    for action in ("send", "accept", "reject", "convert"):
        if re.search(rf'action="/quotes/[0-9a-f-]+/{action}/"', page):
            found.add(action)
    return found


@db
def test_detail_shows_the_quote_and_exactly_the_buttons_its_state_allows(tenant_a):
    data = seed(tenant_a)
    quote = make_quote(tenant_a, data, notes="Call before delivery.")
    client = panel_client(tenant_a, "manager")
    page = html(client.get(f"/quotes/{quote.pk}/"))
    assert quote.number in page and "Anna Kowalska" in page
    assert f'href="/customers/{data["customer"].pk}/"' in page
    assert "Installation" in page and "Product P1" in page
    assert "Call before delivery." in page
    # VAT per rate: 23 % on P1's 189.91, 23 % default on the installation's 300.00
    assert "PLN\xa0489.91" in page and "PLN\xa0112.68" in page and "PLN\xa0602.59" in page
    assert "VAT summary" in page
    assert f'href="/quotes/{quote.pk}/pdf/"' in page
    assert buttons(page) == {"send"}

    with tenant_context(tenant_a):
        services.quote_send(quote=quote, actor=SYSTEM, email=False)
    page = html(client.get(f"/quotes/{quote.pk}/"))
    assert buttons(page) == {"accept", "reject"}

    past_due(tenant_a, quote)
    page = html(client.get(f"/quotes/{quote.pk}/"))
    assert buttons(page) == {"reject"}  # past its date: not to be accepted any more
    assert "pill status-expired" in page


@db
def test_send_emails_the_pdf_and_says_so(tenant_a, mailoutbox):
    data = seed(tenant_a)
    quote = make_quote(tenant_a, data)
    client = panel_client(tenant_a, "manager")
    response = client.post(f"/quotes/{quote.pk}/send/")
    assert response.status_code == 302 and response["Location"] == f"/quotes/{quote.pk}/"
    page = html(client.get(response["Location"]))
    assert "Quote sent to anna@example.com with its PDF." in messages_of(page)
    assert reload(tenant_a, quote).status == "sent"
    [message] = mailoutbox
    assert message.to == ["anna@example.com"]
    assert quote.number in message.subject and "PLN\xa0602.59" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"{quote.number}.pdf", "application/pdf")
    assert content[:4] == b"%PDF"
    # Sending again is a conflict in words, not a second e-mail.
    again = client.post(f"/quotes/{quote.pk}/send/", follow=True)
    assert "Only a draft quote can be sent; this one is Sent." in messages_of(html(again))
    assert len(mailoutbox) == 1


@db
def test_send_in_polish_writes_the_mail_in_polish(tenant_a, mailoutbox):
    data = seed(tenant_a)
    quote = make_quote(tenant_a, data)
    with tenant_context(dataclasses.replace(tenant_a, language="pl")):
        services.quote_send(quote=quote, actor=SYSTEM)
    [message] = mailoutbox
    # The words come from the lead's compiled catalogue (/tmp/i18n/quotes.json); the
    # formats are Django's own for Polish.
    assert quote.number in message.subject
    assert "602,59\xa0zł" in message.body
    valid_until = reload(tenant_a, quote).valid_until
    assert valid_until.strftime("%d.%m.%Y") in message.body
    assert message.body.rstrip().endswith(tenant_a.name)


@db
def test_send_to_a_customer_without_email_marks_it_sent_and_says_not_emailed(tenant_a, mailoutbox):
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=data["customer"].pk).update(email="")
    quote = make_quote(tenant_a, data)
    client = panel_client(tenant_a, "manager")
    before = html(client.get(f"/quotes/{quote.pk}/"))
    assert "Mark as sent" in before and "has no e-mail address" in before
    page = html(client.post(f"/quotes/{quote.pk}/send/", follow=True))
    assert "the quote was not e-mailed" in messages_of(page)
    assert reload(tenant_a, quote).status == "sent" and mailoutbox == []


@db
def test_send_when_the_mail_fails_leaves_a_draft_and_says_why(tenant_a, mailoutbox):
    from unittest import mock

    from dockpulse.notify.base import RetryableSendError

    data = seed(tenant_a)
    quote = make_quote(tenant_a, data)
    client = panel_client(tenant_a, "manager")
    with mock.patch(
        "tenant_apps.sales.services.quotes.send_email",
        side_effect=RetryableSendError("down", code="connection_failed"),
    ):
        page = html(client.post(f"/quotes/{quote.pk}/send/", follow=True))
    assert "could not be e-mailed to anna@example.com" in messages_of(page)
    assert reload(tenant_a, quote).status == "draft"


@db
def test_accept_on_behalf_records_who_through_what_and_from_where(tenant_a):
    data = seed(tenant_a)
    quote = sent_quote(tenant_a, data)
    client = panel_client(tenant_a, "manager")
    response = client.post(f"/quotes/{quote.pk}/accept/", REMOTE_ADDR="198.51.100.23")
    assert response.status_code == 302
    accepted = reload(tenant_a, quote)
    assert accepted.status == "accepted" and accepted.order is None  # the order is a step
    assert accepted.accepted_by == "Manager on behalf of Anna Kowalska"
    assert (accepted.accepted_via, accepted.accepted_ip) == ("admin", "198.51.100.23")
    page = html(client.get(f"/quotes/{quote.pk}/"))
    assert "Quote accepted on the customer&#x27;s behalf." in messages_of(page)
    assert "Manager on behalf of Anna Kowalska" in page
    assert "Staff panel" in page and "198.51.100.23" in page
    assert buttons(page) == {"convert"}


@db
def test_accept_after_the_date_passed_is_refused_in_words(tenant_a):
    data = seed(tenant_a)
    quote = sent_quote(tenant_a, data)
    past_due(tenant_a, quote, days=3)
    client = panel_client(tenant_a, "manager")
    response = client.post(f"/quotes/{quote.pk}/accept/", follow=True)
    assert response.status_code == 200
    assert "This quote expired on" in messages_of(html(response))
    assert reload(tenant_a, quote).status == "sent"


@db
def test_reject_needs_a_reason_then_records_it(tenant_a):
    data = seed(tenant_a)
    quote = sent_quote(tenant_a, data)
    client = panel_client(tenant_a, "manager")
    refused = client.post(f"/quotes/{quote.pk}/reject/", {"reason": "  "})
    assert refused.status_code == 400
    assert "This field is required." in field_errors(html(refused), "reason")
    assert reload(tenant_a, quote).status == "sent"

    done = client.post(f"/quotes/{quote.pk}/reject/", {"reason": "Too expensive."}, follow=True)
    page = html(done)
    assert "Quote rejected." in messages_of(page)
    assert "Too expensive." in page and buttons(page) == set()
    rejected = reload(tenant_a, quote)
    assert rejected.status == "rejected" and rejected.rejection_reason == "Too expensive."


@db
def test_convert_makes_one_order_and_a_second_click_lands_on_it(tenant_a):
    data = seed(tenant_a)
    quote = sent_quote(tenant_a, data)
    client = panel_client(tenant_a, "manager")
    early = client.post(f"/quotes/{quote.pk}/convert/", follow=True)
    assert "Only an accepted quote can be converted" in messages_of(html(early))
    client.post(f"/quotes/{quote.pk}/accept/")

    first = client.post(f"/quotes/{quote.pk}/convert/")
    assert first.status_code == 302
    order = reload(tenant_a, quote).order
    assert order is not None
    assert first["Location"] == f"/orders/{order.pk}/"
    second = client.post(f"/quotes/{quote.pk}/convert/")
    assert second.status_code == 302 and second["Location"] == f"/orders/{order.pk}/"
    with tenant_context(tenant_a):
        assert Order.objects.filter(metadata__quote_id=str(quote.pk)).count() == 1
        assert order.total_gross == quote.total_gross
    page = html(client.get(f"/quotes/{quote.pk}/"))
    assert f'href="/orders/{order.pk}/"' in page and order.number in page
    assert "Converted to an order" in page and buttons(page) == set()


def test_concurrent_converts_make_exactly_one_order(make_tenant):
    tenant = make_tenant()
    data = seed(tenant)
    with tenant_context(tenant):
        quote = services.quote_create(values=quote_input(quote_body(data)), actor=SYSTEM)
        services.quote_send(quote=quote, actor=SYSTEM, email=False)
        services.quote_accept(quote=quote, actor=SYSTEM, convert=False)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def convert() -> None:
        try:
            barrier.wait()
            with tenant_context(tenant):
                services.quote_convert(quote=quote, actor=SYSTEM)
            outcomes.append("converted")
        except services.quotes.StateConflict as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_converted", "converted"]
    with tenant_context(tenant):
        assert Order.objects.count() == 1
        assert Quote.objects.get(pk=quote.pk).order_id == Order.objects.get().pk


# --- roles and tenants ------------------------------------------------------------------


def _action_urls(pk: Any) -> list[str]:
    return [f"/quotes/{pk}/{action}/" for action in ("send", "accept", "reject", "convert")]


@db
def test_employee_reads_but_sees_no_write_buttons_and_gets_403_on_posts(tenant_a):
    data = seed(tenant_a)
    draft = make_quote(tenant_a, data)
    sent = sent_quote(tenant_a, data)
    client = panel_client(tenant_a, "employee")
    assert client.get("/quotes/").status_code == 200
    for quote in (draft, sent):
        page = html(client.get(f"/quotes/{quote.pk}/"))
        assert quote.number in page and buttons(page) == set()
        assert "Reject on the customer" not in page
        for url in _action_urls(quote.pk):
            assert client.post(url, {"reason": "x"}).status_code == 403, url
    assert reload(tenant_a, draft).status == "draft"
    assert reload(tenant_a, sent).status == "sent"


@db
def test_get_on_an_action_is_not_allowed(tenant_a):
    data = seed(tenant_a)
    quote = make_quote(tenant_a, data)
    client = panel_client(tenant_a, "manager")
    for url in _action_urls(quote.pk):
        assert client.get(url).status_code == 405, url
    assert reload(tenant_a, quote).status == "draft"


@db
def test_a_session_of_tenant_a_opens_and_changes_nothing_of_tenant_b(tenant_a, tenant_b):
    theirs = sent_quote(tenant_b, seed(tenant_b))
    ours = make_quote(tenant_a, seed(tenant_a))
    client = panel_client(tenant_a, "manager")
    pages = ["/quotes/", "/quotes/export.csv", f"/quotes/{theirs.pk}/"]
    for url in pages:
        response = client.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert "/login/" in response["Location"]
        assert theirs.number not in response.content.decode()
    for url in _action_urls(theirs.pk):
        response = client.post(url, {"reason": "x"}, HTTP_HOST=host_of(tenant_b))
        assert response.status_code in (302, 403, 404), url
    # B's quote id on A's host: not found, read or written.
    client = panel_client(tenant_a, "manager")  # the visit to B's host ended the session
    assert client.get(f"/quotes/{theirs.pk}/").status_code == 404
    for url in _action_urls(theirs.pk):
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    assert str(theirs.pk) not in html(client.get("/quotes/"))
    assert str(ours.pk) in html(client.get("/quotes/"))
    assert ours.number in html(client.get(f"/quotes/{ours.pk}/"))
    assert reload(tenant_b, theirs).status == "sent"


# --- the decision record (issue 15) ------------------------------------------------------


@db
def test_the_quote_page_shows_the_whole_decision_record(tenant_a):
    data = seed(tenant_a)
    accepted, rejected = sent_quote(tenant_a, data), sent_quote(tenant_a, data)
    client = panel_client(tenant_a, "manager")
    client.post(f"/quotes/{accepted.pk}/accept/", REMOTE_ADDR="198.51.100.23")
    client.post(
        f"/quotes/{rejected.pk}/reject/", {"reason": "Budget cut."}, REMOTE_ADDR="198.51.100.24"
    )
    checksum = reload(tenant_a, accepted).accepted_checksum
    assert len(checksum) == 64
    page = html(client.get(f"/quotes/{accepted.pk}/"))
    record = page[page.index('id="acceptance-heading"') :]
    record = record[: record.index("</section>")]
    for label in ("When", "By", "Through", "From", "Browser", "Checksum"):
        assert f"<dt>{label}</dt>" in record, label
    assert "198.51.100.23" in record
    assert f'<code class="quote-checksum" title="{checksum}">{checksum[:12]}…</code>' in record
    assert "style=" not in record

    page = html(client.get(f"/quotes/{rejected.pk}/"))
    record = page[page.index('id="rejection-heading"') :]
    record = record[: record.index("</section>")]
    assert "Budget cut." in record and "Manager on behalf of Anna Kowalska" in record
    assert "Staff panel" in record and "198.51.100.24" in record
    stored = reload(tenant_a, rejected)
    assert f'title="{stored.rejected_checksum}"' in record
