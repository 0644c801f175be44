"""Tenant operations as platform pages: create with an e-mailed set-password link, the slug
checked as it is typed, suspend / resume, back up, delete with the address typed, restore
into a new address; a tenant's staff reach none of it (docs/platform.md)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse

from dockpulse.tenancy import dbadmin
from platform_app.models import Tenant, TenantAuditLog, TenantPlanPeriod
from platform_app.services import backup_list
from platform_app.services.backups import restore as restore_module
from tests.platform_support import platform_admin_client
from tests.support import (
    TENANT_A_ADMIN,
    TENANT_A_HOST,
    TEST_PASSWORD,
    destroy_tenant,
    html,
    tokens,
)

# The tests that create tenants commit (`committed`, `fresh_tenant`): only the others run
# in a rolled-back transaction.
in_transaction = pytest.mark.django_db(databases="__all__")


def unique_email() -> str:
    return f"ops-{uuid.uuid4().hex[:8]}@platform.example.com"


def messages_of(page: str) -> str:
    """The text of the page's messages block (what the admin reads after an operation)."""
    match = re.search(r'<div class="messages"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def field_error(page: str, name: str) -> str:
    """The errors shown with field `name` (panel/field.html renders them after the input)."""
    match = re.search(
        rf'id="id_{name}".*?(?:<ul class="errorlist"[^>]*>(.*?)</ul>|<div class="field)', page, re.S
    )
    return re.sub(r"<[^>]+>", " ", match.group(1) or "") if match else ""


@pytest.fixture
def committed_admin(committed: None) -> Iterator[Callable[[], tuple[Client, str]]]:
    """Platform admins signed in past the second factor, committed (the tests that create
    tenants cannot roll back) and removed afterwards, their audit rows with them."""
    made: list[str] = []

    def make() -> tuple[Client, str]:
        email = unique_email()
        made.append(email)
        return platform_admin_client(email), email

    yield make
    # Not User.delete(): its cascade looks for the tenant apps' tables.
    with connections["default"].cursor() as cursor:
        for email in made:
            cursor.execute("SELECT id FROM users WHERE email = %s", [email])
            row = cursor.fetchone()
            if row is None:
                continue
            for table in ("otp_totp_totpdevice", "django_admin_log"):
                cursor.execute(f"DELETE FROM {table} WHERE user_id = %s", [row[0]])
            cursor.execute("DELETE FROM tenant_audit_log WHERE admin_email = %s", [email])
            cursor.execute("DELETE FROM users WHERE id = %s", [row[0]])


def create_body(slug: str, **overrides: str) -> dict[str, str]:
    return {
        "name": "Acme Trade",
        "slug": slug,
        "template": "trade",
        "plan": "business",
        "admin_email": "first.admin@acme.example.com",
        "admin_name": "Ala Admin",
        "language": "en",
        **overrides,
    }


# --- create -------------------------------------------------------------------------------


def test_create_from_the_form_e_mails_a_link_that_sets_the_password(committed_admin):
    client, admin_email = committed_admin()
    slug = f"acme-{uuid.uuid4().hex[:6]}"
    try:
        page = client.get(reverse("platform_tenant_create"))
        assert page.status_code == 200
        assert 'hx-get="/tenants/new/check-slug/"' in html(page)
        response = client.post(reverse("platform_tenant_create"), create_body(slug))
        assert response.status_code == 302, html(response)
        assert response["Location"] == reverse("platform_tenant_detail", args=[slug])
        detail = client.get(response["Location"])
        assert (
            f"Tenant {slug} created; an e-mail with a link to set the password went to "
            "first.admin@acme.example.com" in messages_of(html(detail))
        )
        tenant = Tenant.objects.get(slug=slug)
        assert tenant.status == "active" and tenant.plan is not None
        assert tenant.plan.code == "business" and tenant.name == "Acme Trade"

        created = TenantAuditLog.objects.get(tenant_slug=slug, action="tenant.created")
        assert (created.admin_email, created.ip) == (admin_email, "127.0.0.1")
        invited = TenantAuditLog.objects.get(tenant_slug=slug, action="tenant.admin_invited")
        assert invited.details == {"email": "first.admin@acme.example.com"}

        (message,) = [m for m in mail.outbox if "first.admin@acme.example.com" in m.to]
        assert "Acme Trade" in message.subject
        link = re.search(r"https?://\S+/reset/\S+/", str(message.body))
        assert link, message.body
        parts = urlsplit(link.group(0))
        assert parts.hostname == f"{slug}.localhost"

        # The admin follows the link on their tenant's host and sets a password...
        tenant_host = Client(HTTP_HOST=parts.hostname)
        form_page = tenant_host.get(parts.path, follow=True)
        assert form_page.status_code == 200
        assert 'name="new_password1"' in html(form_page), html(form_page)
        set_url = form_page.redirect_chain[-1][0]
        done = tenant_host.post(
            set_url, {"new_password1": "Fresh-Start-2026", "new_password2": "Fresh-Start-2026"}
        )
        assert done.status_code == 302 and done["Location"] == "/reset/done/"
        # ...and signs in with it.
        signed_in = Client(HTTP_HOST=parts.hostname).post(
            "/login/",
            {"username": "first.admin@acme.example.com", "password": "Fresh-Start-2026"},
        )
        assert signed_in.status_code == 302
        # The link works once.
        assert 'name="new_password1"' not in html(
            Client(HTTP_HOST=parts.hostname).get(parts.path, follow=True)
        )
    finally:
        destroy_tenant(slug)


def test_a_mail_server_down_leaves_the_tenant_and_says_how_to_get_a_link(
    committed_admin, monkeypatch
):
    client, _ = committed_admin()
    slug = f"nomail-{uuid.uuid4().hex[:6]}"

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("platform_app.services.onboarding.send_mail", refuse)
    try:
        response = client.post(reverse("platform_tenant_create"), create_body(slug), follow=True)
        assert response.status_code == 200
        said = messages_of(html(response))
        assert f"Tenant {slug} created, but the e-mail to first.admin@acme.example.com" in said
        assert f"“Forgot your password?” at http://{slug}.localhost/login/" in said
        assert Tenant.objects.get(slug=slug).status == "active"
        failed = TenantAuditLog.objects.get(tenant_slug=slug, action="tenant.admin_invite_failed")
        assert "Connection refused" in failed.details["error"]
    finally:
        destroy_tenant(slug)


@in_transaction
@pytest.mark.parametrize(
    ("slug", "words"),
    [
        ("tenant-a", "The address tenant-a is taken."),
        ("admin", "The address admin is reserved."),
        ("Bad_Slug", "may use only lower-case letters, digits and hyphens"),
        ("a" * 41, "must be 3 to 40 characters long (it has 41)"),
    ],
)
def test_a_refused_slug_is_said_in_words_on_the_field(slug, words):
    client = platform_admin_client(unique_email())
    response = client.post(reverse("platform_tenant_create"), create_body(slug))
    assert response.status_code == 400
    assert words in field_error(html(response), "slug")
    assert 'value="Acme Trade"' in html(response)  # the rest is kept
    assert not Tenant.objects.filter(name="Acme Trade").exists()
    assert mail.outbox == []


@in_transaction
def test_the_slug_check_fragment_says_available_or_why_not():
    client = platform_admin_client(unique_email())
    url = reverse("platform_tenant_slug_check")

    def check(slug: str) -> str:
        response = client.get(url, {"slug": slug}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return html(response)

    assert "fresh-name.localhost is available." in check("fresh-name")
    assert "The address tenant-a is taken." in check("tenant-a")
    assert "The address api is reserved." in check("api")
    assert "lower-case letters" in check("-nope")
    assert "(it has 2)" in check("ab")
    assert check("").strip() == ""


# --- suspend, resume, back up, restore, delete -------------------------------------------


def test_suspend_resume_backup_restore_and_delete(committed_admin, make_tenant, monkeypatch):
    client, admin_email = committed_admin()
    slug = make_tenant(plan_code="business").slug
    host = Client(HTTP_HOST=f"{slug}.localhost")
    detail_url = reverse("platform_tenant_detail", args=[slug])
    copy_slug = f"{slug}-copy"
    try:
        # Suspend needs a reason.
        refused = client.post(reverse("platform_tenant_suspend", args=[slug]), {"reason": " "})
        assert refused.status_code == 302
        assert "Say why" in messages_of(html(client.get(detail_url)))
        assert Tenant.objects.get(slug=slug).status == "active"

        client.post(reverse("platform_tenant_suspend", args=[slug]), {"reason": "unpaid invoice"})
        page = html(client.get(detail_url))
        assert f"Tenant {slug} is suspended" in messages_of(page)
        assert reverse("platform_tenant_resume", args=[slug]) in page
        assert reverse("platform_tenant_suspend", args=[slug]) not in page
        suspended = host.get("/login/")
        assert suspended.status_code == 403 and "Account suspended" in html(suspended)
        row = TenantAuditLog.objects.filter(tenant_slug=slug, action="tenant.suspended").get()
        assert row.details["reason"] == "unpaid invoice" and row.admin_email == admin_email

        client.post(reverse("platform_tenant_resume", args=[slug]))
        page = html(client.get(detail_url))
        assert f"Tenant {slug} is active again." in messages_of(page)
        assert reverse("platform_tenant_suspend", args=[slug]) in page
        assert host.get("/login/").status_code == 200

        # Back up now: the new backup is in the list with its restore form.
        assert backup_list(slug) == []
        client.post(reverse("platform_tenant_backup", args=[slug]))
        (backup,) = backup_list(slug)
        page = html(client.get(detail_url))
        assert f"Backup of {slug} made: {backup}." in messages_of(page)
        assert f'name="backup" value="{backup}"' in page

        # Restore refuses a backup the list does not offer (no paths on the server).
        restore_url = reverse("platform_tenant_restore", args=[slug])
        client.post(restore_url, {"backup": "tenant-b/tenant-b-x.tar", "new_slug": copy_slug})
        assert "Nothing was restored." in messages_of(html(client.get(detail_url)))
        client.post(restore_url, {"backup": backup, "new_slug": "tenant-a"})
        assert "The address tenant-a is taken." in messages_of(html(client.get(detail_url)))
        assert not Tenant.objects.filter(slug=copy_slug).exists()

        # Another restore takes the address while this one loads: said in words, and the
        # staging database is dropped.
        real_load = restore_module._load_and_verify

        def load_then_squat(*args: Any, **kwargs: Any) -> Any:
            pending = real_load(*args, **kwargs)
            Tenant.objects.create(
                slug=copy_slug, name="Squatter", template="trade", status="active",
                db_name=f"fake_squat_{uuid.uuid4().hex[:6]}",
            )  # fmt: skip
            return pending

        monkeypatch.setattr(restore_module, "_load_and_verify", load_then_squat)
        raced = client.post(restore_url, {"backup": backup, "new_slug": copy_slug})
        assert raced.status_code == 302
        assert f"The address {copy_slug} is taken." in messages_of(html(client.get(detail_url)))
        with dbadmin.admin_connection() as conn:
            assert not dbadmin.database_exists(conn, dbadmin.tenant_db_name(copy_slug))
        monkeypatch.undo()
        Tenant.objects.filter(slug=copy_slug).delete()

        # Restore into a new address gives a working tenant, billed from today.
        restored = client.post(restore_url, {"backup": backup, "new_slug": copy_slug})
        assert restored["Location"] == reverse("platform_tenant_detail", args=[copy_slug])
        copy = Tenant.objects.get(slug=copy_slug)
        assert copy.status == "active" and copy.plan is not None
        (period,) = TenantPlanPeriod.objects.filter(tenant=copy)
        assert period.plan == copy.plan and period.price_monthly == copy.plan.price_monthly
        signed_in = Client(HTTP_HOST=f"{copy_slug}.localhost").post(
            "/login/", {"username": "owner@example.com", "password": TEST_PASSWORD}
        )
        assert signed_in.status_code == 302

        # Delete: the typed address must match; a wrong one deletes nothing.
        delete_url = reverse("platform_tenant_delete", args=[slug])
        assert f"Type {slug}." in html(client.get(delete_url))
        wrong = client.post(delete_url, {"confirm": "tenant-a"})
        assert wrong.status_code == 400
        assert f"That is not {slug}; nothing was deleted." in field_error(html(wrong), "confirm")
        assert Tenant.objects.get(slug=slug).status == "active"
        assert len(backup_list(slug)) == 1

        deleted = client.post(delete_url, {"confirm": slug})
        assert deleted.status_code == 302
        assert Tenant.objects.get(slug=slug).status == "deleted"
        assert len(backup_list(slug)) == 2  # backed up first
        entry = TenantAuditLog.objects.get(tenant_slug=slug, action="tenant.deleted")
        assert entry.details["backup"] == backup_list(slug)[-1]
        assert f"Tenant {slug} deleted" in messages_of(html(client.get(deleted["Location"])))
        assert host.get("/login/").status_code == 404
    finally:
        destroy_tenant(copy_slug)


# --- who reaches these pages -------------------------------------------------------------


def op_urls(slug: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (reverse("platform_tenant_create"), create_body("stolen-tenant")),
        (reverse("platform_tenant_suspend", args=[slug]), {"reason": "x"}),
        (reverse("platform_tenant_resume", args=[slug]), {}),
        (reverse("platform_tenant_backup", args=[slug]), {}),
        (reverse("platform_tenant_delete", args=[slug]), {"confirm": slug}),
        (reverse("platform_tenant_restore", args=[slug]), {"backup": "x", "new_slug": "copy-x"}),
    ]


@in_transaction
def test_a_tenants_staff_session_and_token_never_reach_the_operations():
    # Other tests commit operations on the shared tenants (a backup of every tenant):
    # only what happens here counts.
    done_before = set(TenantAuditLog.objects.values_list("pk", flat=True))
    staff = Client(HTTP_HOST=TENANT_A_HOST)
    assert (
        staff.post("/login/", {"username": TENANT_A_ADMIN, "password": TEST_PASSWORD}).status_code
        == 302
    )
    stolen = Client(HTTP_HOST="app.localhost")
    stolen.cookies["sessionid"] = staff.cookies["sessionid"].value
    bearer = Client(HTTP_HOST="app.localhost", HTTP_AUTHORIZATION=f"Bearer {tokens()['access']}")
    for client in (stolen, bearer):
        for url, body in op_urls("tenant-a"):
            response = client.post(url, body)
            assert response.status_code == 302 and response["Location"].startswith("/login/")
        check = client.get(reverse("platform_tenant_slug_check"), {"slug": "x"})
        assert check.status_code == 302 and check["Location"].startswith("/login/")
    assert Tenant.objects.get(slug="tenant-a").status == "active"
    assert not Tenant.objects.filter(slug="stolen-tenant").exists()
    assert not TenantAuditLog.objects.filter(tenant_slug="tenant-a", action__in=[
        "tenant.suspended", "tenant.deleted", "tenant.backed_up"
    ]).exclude(pk__in=done_before).exists()  # fmt: skip


@in_transaction
def test_operations_on_an_unknown_tenant_say_so():
    client = platform_admin_client(unique_email())
    response = client.post(reverse("platform_tenant_suspend", args=["no-such"]), {"reason": "x"})
    assert response.status_code == 302
    assert "There is no tenant no-such." in messages_of(html(client.get(response["Location"])))


def test_an_unfinished_creation_is_removed_from_its_page(committed_admin):
    """Issue 18 (5): a provisioning a killed process left behind blocks its address until
    the platform admin removes it; a young one (maybe running now) cannot be removed."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    client, _email = committed_admin()
    slug = f"half-{uuid.uuid4().hex[:8]}"
    Tenant.objects.create(slug=slug, name="Half", template="trade",
                          db_name=dbadmin.tenant_db_name(slug), status="provisioning")  # fmt: skip
    detail_url = reverse("platform_tenant_detail", args=[slug])
    delete_url = reverse("platform_tenant_delete", args=[slug])
    try:
        page = html(client.get(detail_url))
        assert "It is being created right now" in page and delete_url not in page
        young = client.post(delete_url, {"confirm": slug})
        assert young.status_code == 400 and "still being created" in html(young)
        assert Tenant.objects.filter(slug=slug).exists()
        Tenant.objects.filter(slug=slug).update(
            updated_at=timezone.now()
            - dt.timedelta(minutes=settings.TENANT_PROVISIONING_STALE_MINUTES + 1)
        )
        assert delete_url in html(client.get(detail_url))
        removed = client.post(delete_url, {"confirm": slug})
        assert removed.status_code == 302
        assert not Tenant.objects.filter(slug=slug).exists()
        assert "the address is free" in messages_of(html(client.get(removed["Location"])))
    finally:
        Tenant.objects.filter(slug=slug).delete()
