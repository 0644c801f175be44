"""The delivery log in a real browser (issue 18, 1): a manager finds a webhook that failed
while its receiver was down, sends it again once it is back, and sees it sent.
Screenshots: var/screenshots/deliveries-<width>.png."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dockpulse.actors import SYSTEM
from dockpulse.events import delivery
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.services import customer_create
from tenant_apps.notifications import services as notify
from tenant_apps.notifications.inputs import trigger_input
from tenant_apps.notifications.models import NotificationDelivery
from tests.e2e.pages import no_sideways_scroll, screenshot, url
from tests.e2e.test_panel_reports import log_in
from tests.support import staff_user

pytestmark = pytest.mark.e2e


class Receiver(BaseHTTPRequestHandler):
    status = 503

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_manager_sends_a_failed_webhook_again(
    http_server: Any, make_tenant: Callable[..., Any], watched: Any, settings: Any
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.NOTIFICATION_RETRY_SCHEDULE = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tenant = make_tenant()
    staff_user(tenant, "manager")
    try:
        Receiver.status = 503
        with tenant_context(tenant):
            notify.trigger_create(values=trigger_input(
                name="Warehouse ERP", event_type="customer.created", action_type="webhook",
                action_config={"url": f"http://127.0.0.1:{server.server_port}/hook"},
            ), actor=SYSTEM)  # fmt: skip
            customer_create(values=customer_input({"name": "Anna", "phone": "605 300 001"}),
                            actor=SYSTEM)  # fmt: skip
            delivery.drain()
            row = NotificationDelivery.objects.get(status="pending")
            assert notify.notification_send(delivery_id=row.pk)[0] == "failed"
        page, _problems = watched
        log_in(page, http_server, tenant, f"manager@{tenant.slug}.example.com")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Deliveries").click()
        page.wait_for_url(url(http_server, tenant, "/notifications/deliveries/"))
        table = page.locator("table.deliveries")
        assert "Warehouse ERP" in table.inner_text() and "503" in table.inner_text()
        for width in (1366, 360):
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"deliveries-{width}")
            if width == 360:
                no_sideways_scroll(page, width)
        page.set_viewport_size({"width": 1366, "height": 900})
        Receiver.status = 204  # the receiver is back
        page.get_by_role("button", name="Send again").click()
        page.wait_for_url(url(http_server, tenant, "/notifications/deliveries/"))
        assert "again now" in page.locator(".messages, [role=status], main").first.inner_text()
        with tenant_context(tenant):
            again = NotificationDelivery.objects.get(pk=row.pk)
            assert again.status == "retry" and again.attempts == 0
        # The same page in Polish, and the exports page beside it.
        with page.expect_navigation():
            page.get_by_label("Language").select_option("pl")
        page.goto(url(http_server, tenant, "/notifications/deliveries/?status=waiting"))
        assert page.get_by_role("heading", name="Wysyłki", level=1).is_visible()
        assert "Wyślij ponownie" in page.locator("table.deliveries").inner_text()
        page.goto(url(http_server, tenant, "/reports/exports/"))
        assert page.get_by_role("heading", level=1).is_visible()
        for width in (1366, 360):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url(http_server, tenant, "/notifications/deliveries/?status=waiting"))
            screenshot(page, f"deliveries-pl-{width}")
            page.goto(url(http_server, tenant, "/reports/exports/"))
            screenshot(page, f"report-exports-pl-{width}")
            if width == 360:
                no_sideways_scroll(page, width)
    finally:
        server.shutdown()


def test_a_fenced_tenant_shows_the_maintenance_page(
    http_server: Any, make_tenant: Callable[..., Any], watched: Any
) -> None:
    """Issue 18 (4): a tenant whose migration failed answers 'being updated' (503)."""
    from platform_app.directory import publish
    from platform_app.models import Tenant

    page, problems = watched
    problems.expect(503)
    tenant = make_tenant()
    Tenant.objects.filter(slug=tenant.slug).update(migration_state="failed")
    row = Tenant.objects.get(slug=tenant.slug)
    row.save(update_fields=["updated_at"])  # a new stamp, as a failed migration gives
    publish(row)
    response = page.goto(url(http_server, tenant, "/login/"))
    assert response is not None and response.status == 503
    assert "is being updated" in page.locator("main").inner_text()
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"maintenance-{width}")
        if width == 360:
            no_sideways_scroll(page, width)
