"""The portal's messages and profile in a real browser at a phone's width: the customer
writes, a staff member answers in the panel, the customer reads the answer; the profile
refuses an empty required field and then saves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer
from tenant_apps.messaging.models import Message
from tests import factories as f
from tests.e2e.pages import no_sideways_scroll, screenshot, url
from tests.support import TEST_PASSWORD

pytestmark = pytest.mark.e2e

PASSWORD = "Portal-Pass-2024"
PHONE = "+48601234567"


def shot(page: Any, name: str) -> None:
    screenshot(page, f"portal_messages-{name}")


@pytest.fixture
def shop(make_tenant: Callable[..., Any]) -> tuple[Any, Customer]:
    tenant = make_tenant()
    with tenant_context(tenant):
        customer = f.CustomerFactory.create(
            name="Anna Kowalska",
            company_name="Kowalska Sp. z o.o.",
            phone=PHONE,
            email="anna@example.com",
            nip="5260001246",
            address_street="Długa 5",
            address_postal_code="00-001",
            address_city="Warszawa",
            is_portal_active=True,
            portal_password=make_password(PASSWORD),
            portal_first_login=False,
        )
    return tenant, customer


def portal_login(page: Any, server: Any, tenant: Any) -> None:
    page.goto(url(server, tenant, "/portal/login/"))
    page.get_by_label("Phone number").fill("601 234 567")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url(server, tenant, "/portal/"))


def test_the_customer_writes_the_staff_answer_in_the_panel_and_the_customer_reads_it(
    http_server: Any, shop: tuple[Any, Customer], browser: Any, watched: Any
) -> None:
    tenant, customer = shop
    page, problems = watched
    page.set_viewport_size({"width": 360, "height": 740})
    portal_login(page, http_server, tenant)
    page.get_by_role("link", name="Messages").click()
    page.wait_for_url(url(http_server, tenant, "/portal/messages/"))
    assert page.get_by_text("No messages yet. Write to us below.").is_visible()
    shot(page, "empty-360")

    # An empty message is refused on its field (the page answers 400).
    problems.expect(400)
    page.get_by_role("button", name="Send").click()
    assert page.get_by_text("Write a message before sending it.").is_visible()
    page.get_by_label("Your message").fill("Hello,\nis my order ready for pickup tomorrow?")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(url(http_server, tenant, "/portal/messages/") + "#m-*")
    assert page.get_by_text("Message sent. We answer here, in this thread.").is_visible()
    mine = page.locator(".pm-item.pm-mine")
    assert mine.count() == 1
    assert "is my order ready for pickup tomorrow?" in mine.inner_text()
    assert "You" in mine.locator(".pm-who").inner_text()
    no_sideways_scroll(page, 360)
    shot(page, "sent-360")

    # A staff member answers in the panel, on a wide screen of their own.
    staff = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    panel = staff.new_page()
    panel.set_default_timeout(10_000)
    panel.goto(url(http_server, tenant, "/login/"))
    panel.get_by_label("E-mail").fill("owner@example.com")
    panel.get_by_label("Password").fill(TEST_PASSWORD)
    panel.get_by_role("button", name="Log in").click()
    panel.wait_for_url(url(http_server, tenant, "/"))
    panel.goto(url(http_server, tenant, f"/customers/{customer.pk}/"))
    section = panel.locator("#customer-messages")
    section.get_by_text("is my order ready for pickup tomorrow?").wait_for()
    section.get_by_label("Your reply").fill("Yes, it is ready. We are open until 16:00.")
    section.get_by_role("button", name="Send").click()
    section.get_by_text("Message sent to Anna Kowalska.").wait_for()
    panel.wait_for_load_state("networkidle")
    staff.close()
    with tenant_context(tenant):
        answer = Message.objects.get(customer=customer, author_kind="staff")
    assert answer.read_by_customer_at is None

    # The customer sees the answer, marked new, under the staff member's name.
    page.get_by_role("link", name="Messages").click()
    page.wait_for_load_state("networkidle")
    theirs = page.locator(".pm-item.pm-theirs")
    assert theirs.count() == 1
    assert "Yes, it is ready. We are open until 16:00." in theirs.inner_text()
    assert theirs.locator(".pill", has_text="New").is_visible()
    assert answer.author_name and answer.author_name in theirs.inner_text()
    assert mine.locator(".pm-receipt").inner_text() == "Read by us"
    no_sideways_scroll(page, 360)
    shot(page, "answered-360")
    with tenant_context(tenant):
        answer.refresh_from_db()
    assert answer.read_by_customer_at is not None

    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    shot(page, "answered-1366")
    page.get_by_role("button", name="Polski").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "pl"
    shot(page, "answered-pl-1366")
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    no_sideways_scroll(page, 360)
    shot(page, "answered-pl-360")


def test_the_profile_refuses_an_empty_required_field_then_saves(
    http_server: Any, shop: tuple[Any, Customer], watched: Any
) -> None:
    tenant, customer = shop
    with tenant_context(tenant):
        f.FieldConfigFactory.create(entity_type="customer", field_name="email", is_required=True)
        f.FieldConfigFactory.create(entity_type="customer", field_name="notes", is_visible=False)
    page, problems = watched
    page.set_viewport_size({"width": 360, "height": 740})
    portal_login(page, http_server, tenant)
    page.get_by_role("link", name="Profile").click()
    page.wait_for_url(url(http_server, tenant, "/portal/profile/"))
    assert page.get_by_text("You sign in with this number.").is_visible()
    assert page.get_by_label("Phone").count() == 0  # read-only: no field for it
    no_sideways_scroll(page, 360)
    shot(page, "profile-360")

    problems.expect(400)
    page.get_by_label("E-mail").fill("")
    page.get_by_label("City").fill("Kraków")
    page.get_by_role("button", name="Save my details").click()
    assert page.get_by_text("Fill this in: we need it.").is_visible()
    assert page.get_by_label("City").input_value() == "Kraków"  # what was typed is kept
    no_sideways_scroll(page, 360)
    shot(page, "profile-error-360")

    page.get_by_label("E-mail").fill("anna.kowalska@example.com")
    page.get_by_role("button", name="Save my details").click()
    page.wait_for_url(url(http_server, tenant, "/portal/profile/"))
    assert page.get_by_text("Your details are saved.").is_visible()
    assert page.get_by_label("E-mail").input_value() == "anna.kowalska@example.com"
    with tenant_context(tenant):
        row = Customer.objects.get(pk=customer.pk)
    assert (row.email, row.address_city, row.phone) == (
        "anna.kowalska@example.com",
        "Kraków",
        PHONE,
    )
    shot(page, "profile-saved-360")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    shot(page, "profile-1366")
    page.get_by_role("button", name="Polski").click()
    page.wait_for_load_state("networkidle")
    shot(page, "profile-pl-1366")
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    no_sideways_scroll(page, 360)
    shot(page, "profile-pl-360")
