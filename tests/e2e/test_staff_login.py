"""A staff member logs in to their tenant in a real browser; other hosts stay closed."""

from __future__ import annotations

import re

import pytest

from tests.support import TEST_PASSWORD

pytestmark = pytest.mark.e2e


def url(server, host: str, path: str = "/") -> str:
    return f"http://{host}:{server.port}{path}"


def test_staff_logs_in_and_sees_the_dashboard(committed, http_server, page):
    page.goto(url(http_server, "tenant-a.localhost"))
    assert re.search(r"/login/\?next=/$", page.url)
    assert page.get_by_role("heading", name="Log in to Company A").is_visible()

    page.get_by_label("E-mail").fill("admin@tenant-a.example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong e-mail or password."

    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url(http_server, "tenant-a.localhost", "/"))
    assert page.get_by_role("heading", name="Hello, admin").is_visible()
    menu = page.get_by_role("navigation", name="Main")
    assert menu.get_by_role("link", name="Customers").is_visible()
    # (Switching the language saves it on the user: tests/e2e/test_panel.py does that on
    # a tenant of its own, never on the shared tenant-a.)

    # The same browser is a stranger on tenant B: its session belongs to tenant A.
    page.goto(url(http_server, "tenant-b.localhost"))
    assert "/login/" in page.url
    assert page.get_by_role("heading", name=re.compile("Company B")).is_visible()


def test_unknown_tenant_page_in_the_browser(committed, http_server, page):
    response = page.goto(url(http_server, "no-such-company.localhost"))
    assert response.status == 404
    assert page.get_by_text("There is no DockPulse account at this address.").is_visible()
