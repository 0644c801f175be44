"""A platform admin signs in with password + TOTP in a real browser, sets up the app when
there is none, and sees the tenants and the audit log; at 360 and 1366 px wide."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.e2e.platform import new_admin, shoot, sign_in_with_password, url, watch

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [360, 1366])
def test_password_and_totp_then_tenants_and_audit(admins, http_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = watch(page)
    try:
        email, device = new_admin(admins, device=True)
        assert device is not None
        sign_in_with_password(page, http_server, email)
        page.wait_for_url(re.compile(r"/login/code/\?next=%2F$"))
        assert page.get_by_role("heading", name="Second step").is_visible()
        # Without the second factor the tenants and the Django admin stay closed.
        page.goto(url(http_server, "/admin/"))
        assert "/login/code/" in page.url
        shoot(page, "code")

        page.get_by_label("Code").fill("000000")
        page.get_by_role("button", name="Continue").click()
        assert "That code is not right." in page.get_by_role("alert").inner_text()
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(url(http_server, "/admin/"))

        page.goto(url(http_server, "/"))
        assert page.get_by_role("heading", name="Tenants").is_visible()
        assert page.get_by_role("cell", name="tenant-a", exact=True).is_visible()
        assert page.get_by_text(email).is_visible()
        nav = page.get_by_role("navigation", name="Platform")
        assert nav.get_by_role("link", name="Tenants").get_attribute("aria-current") == "page"
        # Nothing wider than the screen but the table's own scroller.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        shoot(page, "tenants")

        nav.get_by_role("link", name="Audit").click()
        page.wait_for_url(url(http_server, "/audit/"))
        assert page.get_by_role("heading", name="Audit log").is_visible()
        first_row = page.locator("table.audit-table tbody tr").first
        assert "Signed in" in first_row.inner_text()
        assert email in first_row.inner_text()
        assert "127.0.0.1" in first_row.inner_text()
        page.get_by_label("Action").select_option(label="Wrong second-factor code")
        page.wait_for_url(re.compile(r"action=platform.otp_failed"))
        rows = page.locator("table.audit-table tbody tr")
        assert rows.count() >= 1 and "Wrong second-factor code" in rows.first.inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        shoot(page, "audit")

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(re.compile(r"/login/"))
        page.goto(url(http_server, "/audit/"))
        assert re.search(r"/login/\?next=/audit/$", page.url)
        problems.check()
    finally:
        context.close()


def test_enrolment_in_the_browser(admins, http_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = watch(page)
    try:
        email, _ = new_admin(admins, device=False)
        sign_in_with_password(page, http_server, email)
        page.wait_for_url(re.compile(r"/login/set-up/\?next=%2F$"))
        assert page.get_by_role("heading", name="Set up your authenticator app").is_visible()
        qr = page.get_by_role("img", name=re.compile("QR code"))
        assert qr.is_visible()
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        shoot(page, "enrol")

        # What a phone would do with the secret shown as text.
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        key = b32decode(secret + "=" * (-len(secret) % 8))
        page.get_by_label("Code from the app").fill(f"{totp(key):06d}")
        page.get_by_role("button", name="Confirm").click()
        assert page.get_by_role("heading", name="Your recovery codes").is_visible()
        codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
        assert codes.count() == 10
        shoot(page, "recovery-codes")
        page.get_by_role("link", name="I have saved them, continue").click()
        page.wait_for_url(url(http_server, "/"))
        assert page.get_by_role("heading", name="Tenants").is_visible()
        problems.check()
    finally:
        context.close()
