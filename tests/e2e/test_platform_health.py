"""The health page in a real browser, at 360 and 1366 px wide."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp

from platform_app.tasks.health import worker_heartbeat
from tests.e2e.platform import (
    new_admin,
    shoot,
    sign_in_with_password,
    url,
    watch,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [360, 1366])
def test_the_health_page(admins, http_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = watch(page)
    try:
        worker_heartbeat()
        email, device = new_admin(admins, device=True)
        assert device is not None
        sign_in_with_password(page, http_server, email)
        page.wait_for_url(re.compile(r"/login/code/"))
        page.get_by_label("Code").fill(f"{totp(device.bin_key, device.step, device.t0):06d}")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(url(http_server, "/"))

        page.goto(url(http_server, "/health/"))
        assert page.get_by_role("heading", name="Health", exact=True).is_visible()
        assert page.locator("#health-status").is_visible()
        assert page.get_by_role("heading", name="PostgreSQL").is_visible()
        assert page.locator("#redis-memory").is_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        shoot(page, "health")

        page.get_by_role("link", name="JSON").click()
        assert '"status"' in page.content()
        problems.check()
    finally:
        context.close()
