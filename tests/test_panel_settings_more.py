"""The settings pages, continued: workflow triggers (with a test send through the same
outside-world stand-ins as the notification tests: Django's locmem mail, the locmem SMS
backend, a local HTTP receiver), number series, and the company profile with its logo."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from dockpulse.notify import sms as sms_module
from dockpulse.notify.webhooks import generate_secret, verify
from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.registry import registry
from platform_app.models import TenantAuditLog
from tenant_apps.accounts.models import User
from tenant_apps.configuration.models import CompanyProfile
from tenant_apps.notifications.models import ActionType, Notification, WorkflowTrigger
from tenant_apps.sales.models import NumberSeries
from tests import factories as f
from tests.support import host_of, panel_client

pytestmark = pytest.mark.django_db(databases="__all__")

# The smallest PNG: signature, IHDR (1x1), IDAT, IEND.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _queries(client: Any, tenant: Any, url: str) -> int:
    with CaptureQueriesContext(connections[tenant.alias]) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- workflow triggers ---------------------------------------------------------------------


def test_trigger_with_bad_values_shows_field_errors_and_saves_nothing(tenant_a):
    admin = panel_client(tenant_a)
    response = admin.post(
        "/settings/triggers/new/",
        {"name": "", "event_type": "order.created", "action_type": "webhook",
         "url": "ftp://nowhere", "is_enabled": "on"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_name_error"' in html and "Enter a name." in html
    assert 'id="id_url_error"' in html
    bad_list = admin.post(
        "/settings/triggers/new/",
        {"name": "To a list", "event_type": "order.created", "action_type": "sms",
         "to": "list", "addresses": "+48601234567\nnot-a-phone"},
    )  # fmt: skip
    assert bad_list.status_code == 400
    assert 'id="id_addresses_error"' in bad_list.content.decode()
    assert "not-a-phone" in bad_list.content.decode()
    unknown_event = admin.post(
        "/settings/triggers/new/",
        {"name": "X", "event_type": "nothing.happened", "action_type": "sms", "to": "admins"},
    )
    assert unknown_event.status_code == 400
    assert 'id="id_event_type_error"' in unknown_event.content.decode()
    with tenant_context(tenant_a):
        assert not WorkflowTrigger.objects.filter(name__in=["", "To a list", "X"]).exists()


def test_trigger_create_edit_toggle_delete(tenant_a):
    admin = panel_client(tenant_a)
    created = admin.post(
        "/settings/triggers/new/",
        {"name": "Shipped: e-mail the team", "event_type": "order.shipped",
         "action_type": "email", "to": "list", "addresses": "team@example.com, boss@example.com",
         "template": "", "is_enabled": "on"},
    )  # fmt: skip
    assert created.status_code == 302
    with tenant_context(tenant_a):
        trigger = WorkflowTrigger.objects.get(name="Shipped: e-mail the team")
    assert trigger.action_config == {"to": ["team@example.com", "boss@example.com"]}
    assert trigger.is_enabled and trigger.code.startswith("order.shipped.email.")
    page = admin.get("/settings/triggers/").content.decode()
    assert "Shipped: e-mail the team" in page

    edit_page = admin.get(f"/settings/triggers/{trigger.pk}/").content.decode()
    assert "team@example.com\nboss@example.com" in edit_page
    edited = admin.post(
        f"/settings/triggers/{trigger.pk}/",
        {"name": "Shipped: tell the admins", "event_type": "order.shipped",
         "action_type": "push", "to": "admins", "code": trigger.code, "is_enabled": "on"},
    )  # fmt: skip
    assert edited.status_code == 302
    with tenant_context(tenant_a):
        trigger.refresh_from_db()
    assert (trigger.name, trigger.action_type, trigger.action_config) == (
        "Shipped: tell the admins", "push", {"to": "admins"})  # fmt: skip

    admin.post(f"/settings/triggers/{trigger.pk}/toggle/", {"enabled": "0"})
    with tenant_context(tenant_a):
        trigger.refresh_from_db()
    assert not trigger.is_enabled
    admin.post(f"/settings/triggers/{trigger.pk}/toggle/", {"enabled": "1"})
    with tenant_context(tenant_a):
        trigger.refresh_from_db()
    assert trigger.is_enabled

    deleted = admin.post(f"/settings/triggers/{trigger.pk}/delete/", follow=True)
    assert "is deleted" in deleted.content.decode()
    with tenant_context(tenant_a):
        assert not WorkflowTrigger.objects.filter(pk=trigger.pk).exists()


def test_webhook_edit_keeps_its_secret_unless_given(tenant_a):
    admin = panel_client(tenant_a)
    with tenant_context(tenant_a):
        secret = generate_secret()
        trigger = f.WorkflowTriggerFactory.create(
            action_type=ActionType.WEBHOOK,
            action_config={"url": "https://hooks.example.com/in", "secret": secret},
        )
    response = admin.post(
        f"/settings/triggers/{trigger.pk}/",
        {"name": "Renamed hook", "event_type": trigger.event_type, "action_type": "webhook",
         "url": "https://hooks.example.com/other", "secret": "", "code": trigger.code},
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(tenant_a):
        trigger.refresh_from_db()
    assert trigger.action_config == {"url": "https://hooks.example.com/other", "secret": secret}
    assert not trigger.is_enabled  # the box was not ticked


@pytest.fixture
def receiver() -> Iterator[dict[str, Any]]:
    """A local webhook endpoint recording what it is sent."""
    seen: dict[str, Any] = {"requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen["requests"].append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen["url"] = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield seen
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@override_settings(
    SMS_BACKEND="dockpulse.notify.sms.LocmemSmsBackend", WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True
)
def test_send_a_test_through_each_channel(tenant_a, receiver):
    admin = panel_client(tenant_a)
    with tenant_context(tenant_a):
        me = User.objects.get(email="admin@tenant-a.example.com")
        email = f.WorkflowTriggerFactory.create(
            event_type="order.confirmed", action_type=ActionType.EMAIL,
            action_config={"to": "customer"},
        )  # fmt: skip
        sms = f.WorkflowTriggerFactory.create(
            event_type="order.created", action_type=ActionType.SMS, action_config={"to": "admins"}
        )
        push = f.WorkflowTriggerFactory.create(action_config={"to": "staff"})
        secret = generate_secret()
        hook = f.WorkflowTriggerFactory.create(
            action_type=ActionType.WEBHOOK, action_config={"url": receiver["url"], "secret": secret}
        )

    mail.outbox.clear()
    response = admin.post(f"/settings/triggers/{email.pk}/test/", follow=True)
    assert "was sent to admin@tenant-a.example.com" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["admin@tenant-a.example.com"]]
    assert "TEST-0001" in mail.outbox[0].body  # the order.confirmed template, sample data

    no_phone = admin.post(f"/settings/triggers/{sms.pk}/test/", follow=True)
    assert "Add a phone number to your account" in no_phone.content.decode()
    with tenant_context(tenant_a):
        User.objects.filter(pk=me.pk).update(phone="+48601234567")
    sms_module.outbox.clear()
    sent = admin.post(f"/settings/triggers/{sms.pk}/test/", follow=True)
    assert "was sent to +48601234567" in sent.content.decode()
    assert [m.to for m in sms_module.outbox] == ["+48601234567"]
    assert "TEST-0001" in sms_module.outbox[0].body
    sms_module.outbox.clear()

    admin.post(f"/settings/triggers/{push.pk}/test/")
    with tenant_context(tenant_a):
        assert Notification.objects.filter(user=me, data__test=True).count() == 1

    admin.post(f"/settings/triggers/{hook.pk}/test/")
    [(headers, body)] = receiver["requests"]
    assert json.loads(body)["data"]["test"] is True
    verify(
        secret=secret,
        msg_id=headers["webhook-id"],
        timestamp=int(headers["webhook-timestamp"]),
        body=body,
        signature=headers["webhook-signature"],
    )
    with tenant_context(tenant_a):
        # A test is not a delivery: the log stays as it was.
        assert not email.deliveries.exists() and not hook.deliveries.exists()


@override_settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True)
def test_a_test_that_fails_says_why(tenant_a):
    with tenant_context(tenant_a):
        hook = f.WorkflowTriggerFactory.create(
            action_type=ActionType.WEBHOOK,
            action_config={"url": "http://127.0.0.1:9/hook", "secret": generate_secret()},
        )
    response = panel_client(tenant_a).post(f"/settings/triggers/{hook.pk}/test/", follow=True)
    assert "The test was not sent" in response.content.decode()


def test_triggers_list_runs_the_same_queries_for_1_or_30_triggers(tenant_a):
    admin = panel_client(tenant_a)
    with tenant_context(tenant_a):
        WorkflowTrigger.objects.all().delete()
        f.WorkflowTriggerFactory.create()
    few = _queries(admin, tenant_a, "/settings/triggers/")
    with tenant_context(tenant_a):
        f.WorkflowTriggerFactory.create_batch(29)
    assert _queries(admin, tenant_a, "/settings/triggers/") == few


# --- number series -------------------------------------------------------------------------


def test_numbering_bad_pattern_error_on_the_field_and_preview(tenant_a):
    admin = panel_client(tenant_a)
    page = admin.get("/settings/numbering/").content.decode()
    assert "ZAM-" in page and "OF-" in page  # the defaults, with their next numbers

    bad = admin.post("/settings/numbering/", {"document_type": "order", "pattern": "ZAM-{YYYY}"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'id="id_order_pattern_error"' in html
    assert "The pattern needs exactly one counter such as {NNN}." in html
    with tenant_context(tenant_a):
        assert not NumberSeries.objects.filter(pattern="ZAM-{YYYY}").exists()

    preview = admin.get("/settings/numbering/preview/",
                        {"document_type": "order", "pattern": "Z/{NNNN}"})  # fmt: skip
    assert preview.status_code == 200 and "Z/0001" in preview.content.decode()
    wrong = admin.get("/settings/numbering/preview/", {"document_type": "order", "pattern": "x"})
    assert "exactly one counter" in wrong.content.decode()

    good = admin.post("/settings/numbering/", {"document_type": "quote", "pattern": "OFR-{NNN}"})
    assert good.status_code == 302
    with tenant_context(tenant_a):
        assert NumberSeries.objects.get(document_type="quote").pattern == "OFR-{NNN}"
        f.QuoteFactory.create()  # takes OFR-001
    assert "OFR-002" in admin.get("/settings/numbering/").content.decode()


def test_numbering_without_the_quotes_module_shows_orders_only(tenant_a):
    admin = panel_client(tenant_a)
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@quotes", is_enabled=False)
    page = admin.get("/settings/numbering/").content.decode()
    assert "ZAM-" in page and "OF-" not in page
    refused = admin.post("/settings/numbering/", {"document_type": "quote", "pattern": "Q-{NNN}"})
    assert refused.status_code == 404


# --- the company profile -------------------------------------------------------------------


@pytest.fixture
def registry_reloads_after() -> Iterator[None]:
    """A test that publishes a change of tenant-a rolls the row back afterwards: make every
    process (this one) reload it from the database rather than keep the changed copy."""
    yield
    registry.publish("tenant-a", "reload-after-test")
    registry.publish("tenant-b", "reload-after-test")


def _company(tenant: Any, **extra: Any) -> dict[str, Any]:
    data = {"name": tenant.name, "nip": "", "street": "ul. Długa 1", "postal_code": "00-001",
            "city": "Warszawa", "country": "PL", "email": "biuro@example.com",
            "phone": "601 234 567", "language": tenant.language,
            "time_zone": tenant.time_zone}  # fmt: skip
    data.update(extra)
    return data


def test_company_nip_error_on_the_field(tenant_a):
    admin = panel_client(tenant_a)
    response = admin.post("/settings/company/", _company(tenant_a, nip="1234567890"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_nip_error"' in html and "This is not a valid NIP (check the digits)." in html
    with tenant_context(tenant_a):
        assert not CompanyProfile.objects.exists()


def test_company_profile_saved_and_time_zone_seen_on_the_next_request(
    tenant_a, django_capture_on_commit_callbacks, registry_reloads_after
):
    admin = panel_client(tenant_a)
    with django_capture_on_commit_callbacks(using="default", execute=True):
        response = admin.post(
            "/settings/company/",
            _company(tenant_a, nip="525-000-12-33", time_zone="America/New_York",
                     name="Company A Renamed"),
        )  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    with tenant_context(tenant_a):
        profile = CompanyProfile.objects.get()
    assert (profile.nip, profile.city, profile.phone) == ("5250001233", "Warszawa", "+48601234567")
    info = registry.get("tenant-a")
    assert info is not None
    assert (info.time_zone, info.name) == ("America/New_York", "Company A Renamed")
    page = admin.get("/settings/company/").content.decode()
    assert '<option value="America/New_York" selected>' in page
    assert "Company A Renamed" in page
    entry = TenantAuditLog.objects.get(tenant_slug="tenant-a", action="tenant.profile_updated")
    assert entry.details["time_zone"] == {"from": "Europe/Warsaw", "to": "America/New_York"}


def test_logo_upload_refuses_non_images_and_large_files_and_serves_a_png(tenant_a):
    admin = panel_client(tenant_a)
    text = ContentFile(b"GIF89a not really", name="logo.png")
    refused = admin.post("/settings/company/", {**_company(tenant_a), "logo": text})
    assert refused.status_code == 400
    assert 'id="id_logo_error"' in refused.content.decode()
    assert "Upload a PNG or JPEG image." in refused.content.decode()
    large = ContentFile(PNG + b"\0" * (1024 * 1024), name="big.png")
    too_big = admin.post("/settings/company/", {**_company(tenant_a), "logo": large})
    assert too_big.status_code == 400
    assert "The logo may be at most 1 MB." in too_big.content.decode()
    assert admin.get("/settings/company/logo/").status_code == 404

    accepted = admin.post(
        "/settings/company/", {**_company(tenant_a), "logo": ContentFile(PNG, name="logo.svg")}
    )
    assert accepted.status_code == 302
    with tenant_context(tenant_a):
        name = CompanyProfile.objects.get().logo
        assert name.endswith(".png") and default_storage.exists(name)
        assert default_storage.path(name).endswith(f"tenants/tenant-a/{name}")
    served = admin.get("/settings/company/logo/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert _body(served) == PNG
    assert 'src="/settings/company/logo/' in admin.get("/settings/company/").content.decode()

    removed = admin.post("/settings/company/", {**_company(tenant_a), "remove_logo": "on"})
    assert removed.status_code == 302
    assert admin.get("/settings/company/logo/").status_code == 404


def test_logo_of_a_never_serves_b_file(tenant_a, tenant_b):
    b_png = PNG + b"tenant-b"  # bytes after IEND: still a PNG, different content
    a_admin, b_admin = panel_client(tenant_a), panel_client(tenant_b)
    a_admin.post("/settings/company/", {**_company(tenant_a), "logo": ContentFile(PNG, "a.png")})
    b_admin.post("/settings/company/", {**_company(tenant_b), "logo": ContentFile(b_png, "b.png")})
    assert _body(a_admin.get("/settings/company/logo/")) == PNG
    assert _body(b_admin.get("/settings/company/logo/")) == b_png
    crossed = a_admin.get("/settings/company/logo/", HTTP_HOST=host_of(tenant_b))
    assert crossed.status_code == 302 and "/login/" in crossed["Location"]
    with tenant_context(tenant_a):
        a_name = CompanyProfile.objects.get().logo
    with tenant_context(tenant_b):
        # B's profile naming A's file name would still read B's own folder.
        CompanyProfile.objects.update(logo=a_name)
        assert not default_storage.exists(a_name)
    assert b_admin.get("/settings/company/logo/").status_code == 404
