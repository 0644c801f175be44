"""The portal's quotes (issue 15): the customer's list (no drafts, no one else's), a quote's
page and PDF, accepting (one order, source portal, however often and however concurrently
it is clicked) and rejecting with a reason, the decision record (time, IP, user agent,
checksum of the quote as shown) that the staff see and the PDF prints, refusals in words
(a changed quote, an expired one, a decided one), the API, and isolation between customers
and tenants."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from dockpulse.actors import SYSTEM
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer
from tenant_apps.products.models import Product
from tenant_apps.sales import services
from tenant_apps.sales.documents.checksum import quote_checksum
from tenant_apps.sales.models import Order, Quote
from tests import factories as f
from tests.portal_support import (
    PASSWORD,
    module_off,
    portal_bearer,
    portal_customer,
    portal_tokens,
    signed_in,
)
from tests.support import bearer, host_of, html, panel_client

db = pytest.mark.django_db(databases="__all__")

OTHER_PHONE = "+48602345678"
BROWSER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124 Mobile"
ADDRESS = "203.0.113.45"


# --- helpers ----------------------------------------------------------------------------


def today(tenant: Any) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(tenant.time_zone))


def lines(tenant: Any) -> list[dict[str, Any]]:
    with tenant_context(tenant):
        chair = Product.objects.filter(code="KRZ-01").first() or f.ProductFactory.create(
            code="KRZ-01", name="Oak chair", price="249.99"
        )
    return [
        {"product": str(chair.pk), "quantity": "4", "discount": "10"},
        {"description": "Assembly", "quantity": "3", "unit": "h", "unit_price": "120.00",
         "vat_rate": "23"},
    ]  # fmt: skip


def draft_quote(tenant: Any, customer: Customer, **header: Any) -> Quote:
    with tenant_context(tenant):
        return f.QuoteFactory.create(customer=customer, lines=lines(tenant), **header)


def sent_quote(tenant: Any, customer: Customer, **header: Any) -> Quote:
    quote = draft_quote(tenant, customer, **header)
    with tenant_context(tenant):
        return services.quote_send(quote=quote, actor=SYSTEM, email=False).quote


def reload(tenant: Any, quote: Quote) -> Quote:
    with tenant_context(tenant):
        return Quote.objects.select_related("order").get(pk=quote.pk)


def past_due(tenant: Any, quote: Quote, days: int = 1) -> None:
    with tenant_context(tenant):
        Quote.objects.filter(pk=quote.pk).update(
            valid_until=today(tenant) - dt.timedelta(days=days)
        )


def checksum_on(page: str) -> str:
    """The hidden checksum of the accept form, as the browser would post it."""
    match = re.search(r'name="checksum" value="([0-9a-f]{64})"', page)
    assert match, page
    return match.group(1)


def accept(client: Client, quote: Quote, **extra: Any) -> Any:
    page = html(client.get(f"/portal/quotes/{quote.pk}/"))
    return client.post(
        f"/portal/quotes/{quote.pk}/accept/",
        {"checksum": checksum_on(page)},
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR=ADDRESS,
        **extra,
    )


def problem_of(page: str) -> str:
    match = re.search(
        r'<div class="message error portal-quote-problem"[^>]*>(.*?)</div>', page, re.S
    )
    return match.group(1) if match else ""


def messages_of(page: str) -> str:
    return " ".join(re.findall(r'<li class="message[^"]*"[^>]*>(.*?)</li>', page, re.S))


def events_of(tenant: Any, entity_id: Any) -> list[str]:
    with tenant_context(tenant):
        return list(
            EventLog.objects.filter(entity_id=entity_id)
            .order_by("created_at", "id")
            .values_list("event_type", flat=True)
        )


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages).replace("\xa0", " ")


def orders_of(tenant: Any, quote: Quote) -> list[Order]:
    with tenant_context(tenant):
        return list(Order.objects.filter(metadata__quote_id=str(quote.pk)))


# --- the list ---------------------------------------------------------------------------


@db
def test_the_list_shows_the_customers_quotes_but_drafts_newest_first_with_status_in_words(
    tenant_a,
):
    anna = portal_customer(tenant_a)
    other = portal_customer(tenant_a, phone=OTHER_PHONE, name="Bartosz Nowak")
    draft = draft_quote(tenant_a, anna)
    older = sent_quote(tenant_a, anna)
    expired = sent_quote(tenant_a, anna)
    past_due(tenant_a, expired, days=2)
    newest = sent_quote(tenant_a, anna)
    theirs = sent_quote(tenant_a, other)
    client = signed_in(tenant_a)

    waiting = html(client.get("/portal/quotes/"))
    # Something waits: the page opens on "Waiting for you", newest first.
    assert 'href="?tab=waiting" aria-current="page"' in waiting
    assert re.search(r"Waiting for you <span class=\"count\">2</span>", waiting)
    assert re.search(r"All <span class=\"count\">3</span>", waiting)
    assert waiting.index(newest.number) < waiting.index(older.number)
    assert expired.number not in waiting
    assert "Waiting for your decision" in waiting

    everything = html(client.get("/portal/quotes/?tab=all"))
    for quote in (newest, older, expired):
        assert f'href="/portal/quotes/{quote.pk}/"' in everything
    assert draft.number not in everything and theirs.number not in everything
    assert "Expired" in everything and "Expired on" in everything


@db
def test_with_nothing_waiting_the_list_opens_on_all_and_says_so(tenant_a):
    portal_customer(tenant_a)
    client = signed_in(tenant_a)
    page = html(client.get("/portal/quotes/"))
    assert 'href="?tab=all" aria-current="page"' in page
    assert "You have no quotes yet." in page
    assert "No quote is waiting for your decision." in html(
        client.get("/portal/quotes/?tab=waiting")
    )


@db
def test_the_list_pages_twenty_at_a_time(tenant_a):
    anna = portal_customer(tenant_a)
    for _ in range(21):
        sent_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    first = html(client.get("/portal/quotes/?tab=all"))
    assert first.count('class="card portal-quote-row') == 20
    assert "Page 1 of 2" in first
    second = html(client.get("/portal/quotes/?tab=all&page=2"))
    assert second.count('class="card portal-quote-row') == 1


# --- one quote and its decision ----------------------------------------------------------


@db
def test_a_waiting_quote_shows_lines_totals_validity_notes_pdf_and_both_forms(tenant_a):
    anna = portal_customer(tenant_a)
    quote = sent_quote(tenant_a, anna, notes="Delivery within 5 working days.")
    page = html(signed_in(tenant_a).get(f"/portal/quotes/{quote.pk}/"))
    assert f"Quote {quote.number}" in page
    assert "Oak chair" in page and "KRZ-01" in page and "Assembly" in page
    assert "Delivery within 5 working days." in page
    assert quote.valid_until.strftime("%Y") in page
    assert f'href="/portal/quotes/{quote.pk}/pdf/"' in page
    assert f'action="/portal/quotes/{quote.pk}/accept/"' in page
    assert f'action="/portal/quotes/{quote.pk}/reject/"' in page
    with tenant_context(tenant_a):
        assert checksum_on(page) == quote_checksum(Quote.objects.get(pk=quote.pk))
    assert "Accepting orders everything listed in this quote" in page
    # Strict CSP: no inline style or script on the page.
    assert "style=" not in page and "<script" not in page


@db
def test_accepting_makes_one_order_from_the_portal_and_records_the_decision(tenant_a):
    anna = portal_customer(tenant_a)
    quote = sent_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    response = accept(client, quote)
    assert response.status_code == 302 and response["Location"] == f"/portal/quotes/{quote.pk}/"

    accepted = reload(tenant_a, quote)
    [order] = orders_of(tenant_a, quote)
    assert accepted.status == "accepted" and accepted.order_id == order.pk
    assert order.source == "portal" and order.customer_id == anna.pk
    assert order.total_gross == quote.total_gross
    assert accepted.accepted_by == "Anna Kowalska" and accepted.accepted_via == "portal"
    assert accepted.accepted_ip == ADDRESS and accepted.accepted_user_agent == BROWSER
    with tenant_context(tenant_a):
        assert accepted.accepted_checksum == quote_checksum(accepted)
    assert events_of(tenant_a, quote.pk) == [
        "quote.created", "quote.sent", "quote.accepted", "portal.quote_accepted",
    ]  # fmt: skip
    assert events_of(tenant_a, order.pk) == ["order.created"]
    with tenant_context(tenant_a):
        event = EventLog.objects.get(event_type="portal.quote_accepted", entity_id=quote.pk)
    assert event.actor_type == "customer"
    assert event.payload["order_number"] == order.number
    assert event.payload["checksum"] == accepted.accepted_checksum

    page = html(client.get(response["Location"]))
    assert f"we have your order {order.number}" in messages_of(page)
    assert "You accepted this quote" in page and "Accepted on" in page
    assert f'href="/portal/orders/{order.pk}/"' in page and f"order {order.number}" in page
    assert ADDRESS in page and BROWSER in page and accepted.accepted_checksum in page
    assert 'action="/portal/quotes/' not in page  # no forms once decided


@db
def test_accepting_again_lands_on_the_same_order(tenant_a):
    anna = portal_customer(tenant_a)
    quote = sent_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    page = html(client.get(f"/portal/quotes/{quote.pk}/"))
    checksum = checksum_on(page)
    first = client.post(f"/portal/quotes/{quote.pk}/accept/", {"checksum": checksum})
    # The same form again: a double click, the back button, a second tab.
    second = client.post(f"/portal/quotes/{quote.pk}/accept/", {"checksum": checksum})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == f"/portal/quotes/{quote.pk}/"
    [order] = orders_of(tenant_a, quote)
    shown = html(client.get(second["Location"]))
    assert f"You have already accepted quote {quote.number}: its order is {order.number}." in (
        messages_of(shown)
    )
    assert events_of(tenant_a, quote.pk).count("quote.accepted") == 1


def test_two_tabs_accepting_at_the_same_moment_make_exactly_one_order(make_tenant):
    tenant = make_tenant()
    anna = portal_customer(tenant)
    quote = sent_quote(tenant, anna)
    tabs = [signed_in(tenant), signed_in(tenant)]
    checksums = [checksum_on(html(tab.get(f"/portal/quotes/{quote.pk}/"))) for tab in tabs]
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def click(tab: Client, checksum: str) -> None:
        try:
            barrier.wait()
            response = tab.post(f"/portal/quotes/{quote.pk}/accept/", {"checksum": checksum})
            answers.append((response.status_code, response["Location"]))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=click, args=pair) for pair in zip(tabs, checksums, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers == [(302, f"/portal/quotes/{quote.pk}/")] * 2
    with tenant_context(tenant):
        assert Order.objects.count() == 1
        assert Quote.objects.get(pk=quote.pk).order_id == Order.objects.get().pk
        assert EventLog.objects.filter(event_type="quote.accepted").count() == 1
        assert EventLog.objects.filter(event_type="portal.quote_accepted").count() == 1


@db
def test_a_quote_that_changed_since_it_was_opened_is_refused_in_words(tenant_a):
    anna = portal_customer(tenant_a, company_name="Kowalska Catering")
    quote = sent_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    stale = checksum_on(html(client.get(f"/portal/quotes/{quote.pk}/")))
    # What the quote shows of the customer changed meanwhile (staff corrected the company).
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=anna.pk).update(company_name="Kowalska Catering sp. z o.o.")
    response = client.post(f"/portal/quotes/{quote.pk}/accept/", {"checksum": stale})
    assert response.status_code == 409
    page = html(response)
    assert "The quote changed since you opened it." in problem_of(page)
    # Shown again as it is now, with the new checksum to decide with.
    assert checksum_on(page) != stale
    assert reload(tenant_a, quote).status == "sent" and orders_of(tenant_a, quote) == []
    # Rejecting with the stale checksum is refused the same way.
    refused = client.post(
        f"/portal/quotes/{quote.pk}/reject/", {"reason": "Too dear", "checksum": stale}
    )
    assert refused.status_code == 409
    assert "The quote changed since you opened it." in problem_of(html(refused))
    # A post without any checksum decides nothing either.
    bare = client.post(f"/portal/quotes/{quote.pk}/accept/", {})
    assert bare.status_code == 400 and "checksum is missing" in problem_of(html(bare))
    assert reload(tenant_a, quote).status == "sent"


@db
def test_an_expired_quote_offers_no_decision_and_is_refused_in_words(tenant_a):
    anna = portal_customer(tenant_a)
    quote = sent_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    checksum = checksum_on(html(client.get(f"/portal/quotes/{quote.pk}/")))
    past_due(tenant_a, quote, days=3)
    page = html(client.get(f"/portal/quotes/{quote.pk}/"))
    assert "Expired" in page and "(expired)" in page
    assert 'action="/portal/quotes/' not in page
    response = client.post(f"/portal/quotes/{quote.pk}/accept/", {"checksum": checksum})
    assert response.status_code == 409
    assert "This quote expired on" in problem_of(html(response))
    assert "can no longer be accepted" in problem_of(html(response))
    refused = client.post(
        f"/portal/quotes/{quote.pk}/reject/", {"reason": "Late", "checksum": checksum}
    )
    assert refused.status_code == 409 and "This quote expired on" in problem_of(html(refused))
    assert reload(tenant_a, quote).status == "sent" and orders_of(tenant_a, quote) == []


@db
def test_rejecting_needs_a_reason_which_the_staff_then_see_with_the_record(tenant_a):
    anna = portal_customer(tenant_a)
    quote = sent_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    checksum = checksum_on(html(client.get(f"/portal/quotes/{quote.pk}/")))
    empty = client.post(
        f"/portal/quotes/{quote.pk}/reject/", {"reason": "  ", "checksum": checksum}
    )
    assert empty.status_code == 400
    page = html(empty)
    assert '<details class="portal-reject" open>' in page
    assert re.search(r'id="id_reason_error"><li>Tell us why you reject the quote\.</li>', page)
    assert reload(tenant_a, quote).status == "sent"

    done = client.post(
        f"/portal/quotes/{quote.pk}/reject/",
        {"reason": "We found a cheaper supplier.", "checksum": checksum},
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR=ADDRESS,
    )
    assert done.status_code == 302
    page = html(client.get(done["Location"]))
    assert f"You rejected quote {quote.number}." in messages_of(page)
    assert "You rejected this quote" in page and "We found a cheaper supplier." in page
    rejected = reload(tenant_a, quote)
    assert rejected.status == "rejected"
    assert rejected.rejection_reason == "We found a cheaper supplier."
    assert (rejected.rejected_by, rejected.rejected_via) == ("Anna Kowalska", "portal")
    assert (rejected.rejected_ip, rejected.rejected_user_agent) == (ADDRESS, BROWSER)
    assert rejected.rejected_checksum == checksum
    assert events_of(tenant_a, quote.pk)[-1] == "quote.rejected"
    assert "portal.quote_accepted" not in events_of(tenant_a, quote.pk)
    assert orders_of(tenant_a, quote) == []

    # Twice: nothing changes, the page says it is done.
    again = client.post(
        f"/portal/quotes/{quote.pk}/reject/", {"reason": "Again", "checksum": checksum}
    )
    assert again.status_code == 302
    assert "already rejected" in messages_of(html(client.get(again["Location"])))
    assert reload(tenant_a, quote).rejection_reason == "We found a cheaper supplier."

    staff = html(panel_client(tenant_a, "manager").get(f"/quotes/{quote.pk}/"))
    assert "We found a cheaper supplier." in staff
    assert "Customer portal" in staff and ADDRESS in staff and BROWSER in staff
    assert f'title="{checksum}"' in staff and f"{checksum[:12]}…" in staff


@db
def test_the_staff_see_the_acceptance_record_and_the_pdf_prints_it(tenant_a):
    anna = portal_customer(tenant_a)
    quote = sent_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    accept(client, quote)
    accepted = reload(tenant_a, quote)
    checksum = accepted.accepted_checksum

    staff = html(panel_client(tenant_a, "manager").get(f"/quotes/{quote.pk}/"))
    record = staff[staff.index('id="acceptance-heading"') :]
    record = record[: record.index("</section>")]
    assert "Anna Kowalska" in record and "Customer portal" in record
    assert ADDRESS in record and BROWSER in record
    assert f'<code class="quote-checksum" title="{checksum}">{checksum[:12]}…</code>' in record

    response = client.get(f"/portal/quotes/{quote.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert quote.number in text and "Acceptance" in text.title()
    assert ADDRESS in text and "Customer portal" in text and "Anna Kowalska" in text
    assert checksum in re.sub(r"\s+", "", text)
    assert "Pixel 8" in text


@db
def test_the_pdf_says_in_words_when_this_server_cannot_make_it(tenant_a, monkeypatch):
    from tenant_apps.sales.documents import status

    monkeypatch.setattr(status, "_probe", lambda: status.MISSING_LIBRARY)
    anna = portal_customer(tenant_a)
    quote = sent_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    response = client.get(f"/portal/quotes/{quote.pk}/pdf/")
    assert response.status_code == 503
    assert "The PDF cannot be made right now" in html(response)
    assert f"Back to quote {quote.number}" in html(response)


# --- the API ----------------------------------------------------------------------------


@db
def test_api_lists_reads_accepts_once_and_rejects_with_a_reason(tenant_a):
    anna = portal_customer(tenant_a)
    other = portal_customer(tenant_a, phone=OTHER_PHONE, name="Bartosz Nowak")
    draft = draft_quote(tenant_a, anna)
    first = sent_quote(tenant_a, anna)
    second = sent_quote(tenant_a, anna)
    sent_quote(tenant_a, other)
    token = portal_bearer(tenant_a)

    listed = token.get("/api/v1/portal/quotes/")
    assert listed.status_code == 200
    assert [row["number"] for row in listed.json()["results"]] == [second.number, first.number]
    assert draft.number not in str(listed.json())
    assert listed.json()["results"][0]["status"] == "sent"
    assert token.get("/api/v1/portal/quotes/?status=accepted").json()["count"] == 0
    assert token.get("/api/v1/portal/quotes/?status=waiting").json()["count"] == 2
    bad = token.get("/api/v1/portal/quotes/?status=draft")
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]

    detail = token.get(f"/api/v1/portal/quotes/{first.pk}/").json()
    assert [line["description"] for line in detail["lines"]] == ["Oak chair", "Assembly"]
    assert detail["lines"][0]["product_code"] == "KRZ-01"
    assert detail["total_gross"] == str(first.total_gross)
    assert detail["can_decide"] is True and detail["decision_record"] is None
    assert len(detail["checksum"]) == 64

    missing = token.post(f"/api/v1/portal/quotes/{first.pk}/accept/", {}, format="json")
    assert missing.status_code == 400 and "checksum" in missing.json()["error"]["fields"]
    wrong = token.post(
        f"/api/v1/portal/quotes/{first.pk}/accept/", {"checksum": "0" * 64}, format="json"
    )
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "quote_changed"
    assert wrong.json()["error"]["checksum"] == detail["checksum"]

    body = {"checksum": detail["checksum"]}
    done = token.post(
        f"/api/v1/portal/quotes/{first.pk}/accept/", body, format="json", HTTP_USER_AGENT="app/1.0"
    )
    assert done.status_code == 200, done.content
    order = done.json()["order"]
    assert done.json()["status"] == "accepted" and order["number"]
    record = done.json()["decision_record"]
    assert record["decision"] == "accepted" and record["checksum"] == detail["checksum"]
    assert record["user_agent"] == "app/1.0" and record["via"] == "Customer portal"
    repeat = token.post(f"/api/v1/portal/quotes/{first.pk}/accept/", body, format="json")
    assert repeat.status_code == 200 and repeat.json()["order"] == order
    assert len(orders_of(tenant_a, first)) == 1
    with tenant_context(tenant_a):
        assert Order.objects.get(pk=order["id"]).source == "portal"

    other_checksum = token.get(f"/api/v1/portal/quotes/{second.pk}/").json()["checksum"]
    no_reason = token.post(
        f"/api/v1/portal/quotes/{second.pk}/reject/", {"checksum": other_checksum}, format="json"
    )
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["fields"] == {"reason": ["Tell us why you reject the quote."]}
    rejected = token.post(
        f"/api/v1/portal/quotes/{second.pk}/reject/",
        {"reason": "Not this year", "checksum": other_checksum},
        format="json",
    )
    assert rejected.status_code == 200
    assert rejected.json()["decision_record"]["reason"] == "Not this year"
    late = token.post(
        f"/api/v1/portal/quotes/{second.pk}/accept/", {"checksum": other_checksum}, format="json"
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "invalid_transition"

    pdf = token.get(f"/api/v1/portal/quotes/{first.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert detail["checksum"] in re.sub(r"\s+", "", pdf_text(pdf.content))


@db
def test_api_is_in_the_served_schema(tenant_a):
    schema = Client(HTTP_HOST=host_of(tenant_a)).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    base = "/api/v1/portal/quotes/"
    for endpoint in (base, base + "{id}/accept/", base + "{id}/reject/", base + "{id}/pdf/"):
        assert endpoint in text, endpoint


@db
def test_api_refuses_business_until_the_sms_password_is_changed(tenant_a):
    anna = portal_customer(tenant_a, first_login=True)
    quote = sent_quote(tenant_a, anna)
    access = portal_tokens(tenant_a).json()["access"]
    client = bearer(access, host_of(tenant_a))
    for url in ("/api/v1/portal/quotes/", f"/api/v1/portal/quotes/{quote.pk}/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "password_change_required"
    assert client.post(f"/api/v1/portal/quotes/{quote.pk}/accept/", {}).status_code == 403
    assert reload(tenant_a, quote).status == "sent"


# --- isolation --------------------------------------------------------------------------


@db
def test_another_customers_quote_and_a_draft_are_404_by_page_pdf_and_api(tenant_a):
    portal_customer(tenant_a)
    other = portal_customer(tenant_a, phone=OTHER_PHONE, name="Bartosz Nowak")
    theirs = sent_quote(tenant_a, other)
    with tenant_context(tenant_a):
        anna = Customer.objects.get(phone="+48601234567")
    draft = draft_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    token = portal_bearer(tenant_a)
    with tenant_context(tenant_a):
        checksum = quote_checksum(Quote.objects.get(pk=theirs.pk))
    for quote in (theirs, draft):
        for url in (f"/portal/quotes/{quote.pk}/", f"/portal/quotes/{quote.pk}/pdf/"):
            assert client.get(url).status_code == 404, url
        for action in ("accept", "reject"):
            url = f"/portal/quotes/{quote.pk}/{action}/"
            assert client.post(url, {"checksum": checksum, "reason": "x"}).status_code == 404
        for url in (f"/api/v1/portal/quotes/{quote.pk}/", f"/api/v1/portal/quotes/{quote.pk}/pdf/"):
            assert token.get(url).status_code == 404, url
        for action in ("accept", "reject"):
            response = token.post(
                f"/api/v1/portal/quotes/{quote.pk}/{action}/",
                {"checksum": checksum, "reason": "x"},
                format="json",
            )
            assert response.status_code == 404, action
    assert theirs.number not in html(client.get("/portal/quotes/?tab=all"))
    assert reload(tenant_a, theirs).status == "sent" and reload(tenant_a, draft).status == "draft"


@db
def test_a_session_and_a_token_of_tenant_a_are_useless_on_tenant_b(tenant_a, tenant_b):
    portal_customer(tenant_a)
    # The same phone and password on B: another customer of another company.
    anna_b = portal_customer(tenant_b)
    quote_b = sent_quote(tenant_b, anna_b)
    client = signed_in(tenant_a)
    token = portal_tokens(tenant_a).json()["access"]
    on_b = Client(HTTP_HOST=host_of(tenant_b))
    for name, morsel in client.cookies.items():  # A's portal cookie, sent to B's host
        on_b.cookies[name] = morsel.value
    for url in ("/portal/quotes/", f"/portal/quotes/{quote_b.pk}/"):
        response = on_b.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    response = on_b.post(f"/portal/quotes/{quote_b.pk}/accept/", {"checksum": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    b_api = bearer(token, host_of(tenant_b))
    assert b_api.get("/api/v1/portal/quotes/").status_code == 401
    assert b_api.get(f"/api/v1/portal/quotes/{quote_b.pk}/").status_code == 401
    assert reload(tenant_b, quote_b).status == "sent"
    # A's own quotes on A stay reachable with the same session.
    assert client.get("/portal/quotes/").status_code == 200
    assert PASSWORD  # the same credentials, each tenant its own account


@db
def test_with_the_portal_module_off_the_quote_pages_and_api_are_404(tenant_a):
    anna = portal_customer(tenant_a)
    quote = sent_quote(tenant_a, anna)
    client = signed_in(tenant_a)
    token = portal_bearer(tenant_a)
    module_off(tenant_a)
    for url in (
        "/portal/quotes/",
        f"/portal/quotes/{quote.pk}/",
        f"/portal/quotes/{quote.pk}/pdf/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/portal/quotes/{quote.pk}/accept/").status_code == 404
    assert token.get("/api/v1/portal/quotes/").status_code == 404
    assert token.post(f"/api/v1/portal/quotes/{quote.pk}/accept/", {}).status_code == 404
    assert reload(tenant_a, quote).status == "sent"
