"""The quote pages in a real browser (issue 14's must-show list): open a quote, send it
(the e-mail with the PDF is in the server's outbox), accept it on the customer's behalf,
convert it, and find the order. Screenshots at 1366 and 360 px go to var/screenshots/.

The server is another process: its e-mail goes to files (tests/support.py's
subprocess_env sets the file backend and its folder), read here with the email package.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dockpulse.actors import staff_actor
from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.sales import services
from tenant_apps.sales.inputs import quote_input
from tenant_apps.sales.models import Quote
from tests.support import TEST_PASSWORD, host_of, mails_to, quote_body, seed

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
OWNER = "owner@example.com"


def url(server: Any, tenant: Any, path: str = "/") -> str:
    return f"http://{host_of(tenant)}:{server.port}{path}"


def text(locator: Any) -> str:
    """What the user reads: no-break spaces (1 234,56 zł) as spaces."""
    return " ".join(locator.inner_text().replace("\xa0", " ").split())


def log_in(page: Any, server: Any, tenant: Any) -> None:
    page.goto(url(server, tenant, "/login/"))
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url(server, tenant, "/"))


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"quotes-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


@pytest.fixture
def quoted(make_tenant: Callable[..., Any]) -> tuple[Any, Quote]:
    """A tenant with a draft quote for seed()'s customer, made through the services by the
    tenant's owner (committed: the server reads it)."""
    tenant = make_tenant()
    data = seed(tenant)
    with tenant_context(tenant):
        owner = User.objects.get(email=OWNER)
        quote = services.quote_create(
            values=quote_input(quote_body(data, notes="Delivery to the back door.")),
            actor=staff_actor(owner),
        )
    return tenant, quote


def test_send_accept_convert_and_find_the_order(http_server, quoted, watched):
    page, _problems = watched
    tenant, quote = quoted
    log_in(page, http_server, tenant)

    page.goto(url(http_server, tenant, "/quotes/"))
    assert text(page.get_by_role("heading", level=2)) == "1 quote"
    shoot(page, "list")
    page.get_by_role("link", name=quote.number).click()
    page.wait_for_url(url(http_server, tenant, f"/quotes/{quote.pk}/"))
    assert quote.number in text(page.get_by_role("heading", level=1))
    assert "Draft" in text(page.get_by_role("heading", level=1))
    assert "602.59" in text(page.locator(".vat-summary tfoot"))
    shoot(page, "detail-draft")

    page.get_by_role("button", name="Send to the customer").click()
    page.wait_for_url(url(http_server, tenant, f"/quotes/{quote.pk}/"))
    assert "Quote sent to anna@example.com with its PDF." in text(page.locator(".messages"))
    assert "Sent" in text(page.get_by_role("heading", level=1))
    # This tenant's message (other browser tests mail the same customer of their tenants).
    [message] = [m for m in mails_to("anna@example.com") if tenant.name in str(m["Subject"])]
    assert quote.number in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "PLN 602.59" in body.get_content().replace("\xa0", " ")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{quote.number}.pdf"
    assert attachment.get_content()[:4] == b"%PDF"
    shoot(page, "detail-sent")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Accept on the customer's behalf").click()
    page.wait_for_url(url(http_server, tenant, f"/quotes/{quote.pk}/"))
    acceptance = text(page.locator("section", has=page.get_by_role("heading", name="Acceptance")))
    assert "owner on behalf of Anna Kowalska" in acceptance
    assert "Staff panel" in acceptance and "127.0.0.1" in acceptance

    page.get_by_role("button", name="Convert to order").click()
    page.wait_for_url(re.compile(r"/orders/[0-9a-f-]+/$"))
    with tenant_context(tenant):
        order = Quote.objects.select_related("order").get(pk=quote.pk).order
    assert order is not None
    assert order.number in text(page.get_by_role("heading", level=1))
    assert f"Order {order.number} created from quote {quote.number}." in text(
        page.locator(".messages")
    )

    # Back on the quote, the order is linked and nothing more is offered.
    page.goto(url(http_server, tenant, f"/quotes/{quote.pk}/"))
    link = page.get_by_role("link", name=order.number)
    assert link.get_attribute("href") == f"/orders/{order.pk}/"
    assert page.get_by_role("button", name="Convert to order").count() == 0
    shoot(page, "detail-accepted")
    link.click()
    page.wait_for_url(url(http_server, tenant, f"/orders/{order.pk}/"))

    # The order is on the order list too.
    page.goto(url(http_server, tenant, "/orders/"))
    assert page.get_by_role("link", name=order.number).count() == 1
