"""Impersonation (docs/platform.md): a platform admin opens a tenant's panel as its admin
through a one-time link, for a limited time, with a banner on every page, ended with one
click, audited on the platform and in the tenant's own event log."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from dockpulse.events.models import EventLog
from dockpulse.tenancy import platform_context, tenant_context
from platform_app.models import ImpersonationGrant, Tenant, TenantAuditLog
from platform_app.services.audit import AuditOrigin
from platform_app.services.impersonation import impersonation_start
from tenant_apps.accounts.impersonation import SESSION_KEY
from tenant_apps.accounts.models import Role, User
from tests.platform_support import HOST, platform_admin_client
from tests.support import TENANT_A_ADMIN, TENANT_A_HOST, browser_login, html

pytestmark = pytest.mark.django_db(databases="__all__")

TENANT_B_HOST = "tenant-b.localhost"


def admin_email() -> str:
    return f"ops-{uuid.uuid4().hex[:8]}@platform.example.com"


def start(client: Client, slug: str = "tenant-a", reason: str = "Ticket 42", **extra: Any) -> str:
    """Post the form, follow to the opening page; the one-time URL it sends the browser to."""
    response = client.post(f"/tenants/{slug}/impersonate/", {"reason": reason}, **extra)
    assert response.status_code == 302, response.content
    assert response["Location"] == f"/tenants/{slug}/impersonate/open/"
    page = client.get(response["Location"], **extra)
    assert page.status_code == 200
    match = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html(page))
    assert match, html(page)
    link = re.search(r'id="impersonation-link" href="([^"]+)"', html(page))
    assert link and link.group(1) == match.group(1)
    return match.group(1)


def path_of(url: str) -> str:
    match = re.match(r"^http://[^/]+(/impersonate/[^/]+/)$", url)
    assert match, url
    return match.group(1)


def redeem(url: str, host: str = TENANT_A_HOST) -> tuple[Client, Any]:
    client = Client(HTTP_HOST=host)
    return client, client.get(path_of(url))


def signed_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def test_start_redirects_to_a_one_time_link_on_the_tenants_host() -> None:
    email = admin_email()
    url = start(platform_admin_client(email))
    assert url.startswith("http://tenant-a.localhost/impersonate/")
    grant = ImpersonationGrant.objects.get(admin_email=email)
    assert grant.user_email == TENANT_A_ADMIN
    assert grant.reason == "Ticket 42"
    token = path_of(url).split("/")[2]
    assert token not in grant.token_hash and len(grant.token_hash) == 64
    assert timedelta(seconds=55) < grant.redeem_by - grant.created_at <= timedelta(seconds=61)
    assert timedelta(minutes=29) < grant.expires_at - grant.created_at <= timedelta(minutes=31)
    row = TenantAuditLog.objects.get(action="tenant.impersonation_started", admin_email=email)
    assert row.tenant_slug == "tenant-a" and row.details["reason"] == "Ticket 42"


def test_the_link_keeps_the_requests_port() -> None:
    client = platform_admin_client(admin_email())
    url = start(client, reason="port", SERVER_PORT="8000")
    assert url.startswith("http://tenant-a.localhost:8000/impersonate/")
    # The opening page works once: a reload says to start again.
    again = client.get("/tenants/tenant-a/impersonate/open/")
    assert again["Location"] == "/tenants/tenant-a/impersonate/"


def test_a_reason_is_required_and_the_form_says_so() -> None:
    client = platform_admin_client(admin_email())
    response = client.post("/tenants/tenant-a/impersonate/", {"reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in html(response)
    assert not ImpersonationGrant.objects.exists()
    page = client.get("/tenants/tenant-a/impersonate/")
    assert page.status_code == 200 and "Open panel as admin" in html(page)


def test_a_suspended_tenant_or_one_without_an_admin_is_refused_in_words(tenant_a) -> None:
    client = platform_admin_client(admin_email())
    Tenant.objects.filter(slug="tenant-a").update(status=Tenant.Status.SUSPENDED)
    response = client.post("/tenants/tenant-a/impersonate/", {"reason": "x"})
    assert response.status_code == 400
    assert "only an active tenant" in html(response)
    Tenant.objects.filter(slug="tenant-a").update(status=Tenant.Status.ACTIVE)
    with tenant_context(tenant_a):
        User.objects.filter(role=Role.ADMIN).update(is_active=False)
    with pytest.raises(ValidationError, match="no active administrator"):
        impersonation_start(
            slug="tenant-a", reason="x", origin=AuditOrigin(admin_email="ops@example.com")
        )
    assert not ImpersonationGrant.objects.exists()


def test_redeeming_signs_in_as_the_tenant_admin_with_a_banner_on_every_page(tenant_a) -> None:
    email = admin_email()
    client, response = redeem(start(platform_admin_client(email)))
    assert response.status_code == 302 and response["Location"] == "/"
    for path in ("/", "/customers/"):
        page = client.get(path)
        assert page.status_code == 200, path
        text = html(page)
        assert 'id="impersonation-banner"' in text, path
        assert f"by platform admin {email} until" in text
        assert "(Administrator)" in text
        assert 'action="/impersonate/end/"' in text
    grant = ImpersonationGrant.objects.get(admin_email=email)
    assert grant.redeemed_at is not None
    with tenant_context(tenant_a):
        assert client.session[SESSION_KEY]["grant"] == str(grant.id)
    assert TenantAuditLog.objects.filter(
        action="tenant.impersonation_redeemed", admin_email=email, tenant_slug="tenant-a"
    ).exists()


def test_an_ordinary_staff_session_has_no_banner() -> None:
    page = browser_login().get("/")
    assert page.status_code == 200
    assert "impersonation-banner" not in html(page)
    assert "app.localhost" not in page["Content-Security-Policy"]


def test_the_link_works_once() -> None:
    url = start(platform_admin_client(admin_email()))
    first, _ = redeem(url)
    assert signed_in(first)
    second, response = redeem(url)
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not signed_in(second)


def test_a_link_not_redeemed_in_time_is_refused() -> None:
    email = admin_email()
    url = start(platform_admin_client(email))
    ImpersonationGrant.objects.filter(admin_email=email).update(
        redeem_by=timezone.now() - timedelta(seconds=1)
    )
    client, response = redeem(url)
    assert response["Location"] == "/login/"
    assert not signed_in(client)
    assert ImpersonationGrant.objects.get(admin_email=email).redeemed_at is None


def test_tenant_as_token_is_refused_on_tenant_bs_host() -> None:
    email = admin_email()
    url = start(platform_admin_client(email))
    client, response = redeem(url, host=TENANT_B_HOST)
    assert response["Location"] == "/login/"
    assert not signed_in(client)
    assert ImpersonationGrant.objects.get(admin_email=email).redeemed_at is None


def test_the_link_does_nothing_on_the_platform_host() -> None:
    email = admin_email()
    client = platform_admin_client(email)
    url = start(client)
    assert client.get(path_of(url)).status_code == 404
    assert Client(HTTP_HOST=HOST).get(path_of(url))["Location"].startswith("/login/")
    assert ImpersonationGrant.objects.get(admin_email=email).redeemed_at is None


def test_the_session_ends_when_the_time_is_up(tenant_a) -> None:
    email = admin_email()
    client, _ = redeem(start(platform_admin_client(email)))
    with tenant_context(tenant_a):
        session = client.session
        state = session[SESSION_KEY]
        state["expires"] = (timezone.now() - timedelta(seconds=1)).isoformat()
        session[SESSION_KEY] = state
        session.save()
    response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "session in this panel ended at" in html(client.get("/login/"))
    assert not signed_in(client)
    grant = ImpersonationGrant.objects.get(admin_email=email)
    assert grant.ended_at is not None
    row = TenantAuditLog.objects.get(action="tenant.impersonation_ended", admin_email=email)
    assert row.details["why"] == "expired"


def test_a_grant_ended_elsewhere_ends_the_session() -> None:
    email = admin_email()
    client, _ = redeem(start(platform_admin_client(email)))
    ImpersonationGrant.objects.filter(admin_email=email).update(ended_at=timezone.now())
    assert client.get("/")["Location"] == "/login/"
    assert not signed_in(client)


def test_end_signs_out_back_to_the_platform_and_both_sides_record_it(tenant_a) -> None:
    email = admin_email()
    client, _ = redeem(start(platform_admin_client(email)))
    page = client.get("/")
    # The End form's redirect to the platform is allowed by this page's CSP.
    assert "form-action 'self' http://app.localhost" in page["Content-Security-Policy"]
    response = client.post("/impersonate/end/")
    assert response.status_code == 302
    assert response["Location"] == "http://app.localhost/tenants/tenant-a/"
    assert not signed_in(client)
    grant = ImpersonationGrant.objects.get(admin_email=email)
    assert grant.ended_at is not None
    actions = list(
        TenantAuditLog.objects.filter(admin_email=email, tenant_slug="tenant-a")
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "tenant.impersonation_started",
        "tenant.impersonation_redeemed",
        "tenant.impersonation_ended",
    ]
    with tenant_context(tenant_a):
        admin = User.objects.get(email=TENANT_A_ADMIN)
        rows = list(EventLog.objects.filter(event_type__startswith="staff.impersonat"))
    assert {row.event_type for row in rows} == {"staff.impersonated", "staff.impersonation_ended"}
    for row in rows:
        assert row.payload["platform_admin"] == email
        assert row.entity_id == admin.id
    # Ending twice is a no-op, not a second row.
    assert Client(HTTP_HOST=TENANT_A_HOST).post("/impersonate/end/").status_code == 302
    assert TenantAuditLog.objects.filter(action="tenant.impersonation_ended").count() == 1


def test_a_tenant_staff_session_cannot_start_an_impersonation() -> None:
    client = browser_login()
    response = client.post("/tenants/tenant-a/impersonate/", {"reason": "sneaky"}, HTTP_HOST=HOST)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not ImpersonationGrant.objects.exists()


def test_the_directory_redeems_a_token_once() -> None:
    from dockpulse.tenancy.impersonation import impersonation_directory

    email = admin_email()
    url = start(platform_admin_client(email))
    token = path_of(url).split("/")[2]
    tenant = Tenant.objects.get(slug="tenant-a")
    directory = impersonation_directory()
    assert directory.redeem(token, tenant_id=tenant.id, ip=None) is not None
    assert directory.redeem(token, tenant_id=tenant.id, ip=None) is None


def test_signing_out_the_ordinary_way_ends_the_grant_and_both_sides_record_it(
    tenant_a,
) -> None:
    email = admin_email()
    client, _ = redeem(start(platform_admin_client(email)))
    assert signed_in(client)
    assert client.post("/logout/").status_code == 302
    assert not signed_in(client)
    grant = ImpersonationGrant.objects.get(admin_email=email)
    assert grant.ended_at is not None
    (row,) = TenantAuditLog.objects.filter(action="tenant.impersonation_ended", admin_email=email)
    assert row.details["why"] == "signed_out"
    with tenant_context(tenant_a):
        (ended,) = EventLog.objects.filter(event_type="staff.impersonation_ended")
    assert ended.payload["platform_admin"] == email and ended.payload["why"] == "signed_out"


def test_the_end_button_records_the_end_once_though_it_signs_out(tenant_a) -> None:
    email = admin_email()
    client, _ = redeem(start(platform_admin_client(email)))
    client.post("/impersonate/end/")
    (row,) = TenantAuditLog.objects.filter(action="tenant.impersonation_ended", admin_email=email)
    assert row.details["why"] == "ended"
    with tenant_context(tenant_a):
        assert EventLog.objects.filter(event_type="staff.impersonation_ended").count() == 1


def test_deactivating_the_platform_admin_ends_their_session_in_the_panel() -> None:
    email = admin_email()
    client, _ = redeem(start(platform_admin_client(email)))
    assert signed_in(client)
    with platform_context():
        User.objects.filter(email=email).update(is_active=False)
    assert client.get("/")["Location"] == "/login/"
    assert not signed_in(client)
    row = TenantAuditLog.objects.get(action="tenant.impersonation_ended", admin_email=email)
    assert row.details["why"] == "closed"


def test_a_tenant_whose_database_does_not_answer_is_refused_in_words(monkeypatch) -> None:
    # The tenant's server refusing the connection, as psycopg reports it (a real
    # unreachable database cannot be opened inside a test case that did not list it).
    from django.db import OperationalError

    from platform_app.services import impersonation

    def refused(tenant: Tenant) -> str:
        raise OperationalError('connection failed: FATAL:  database "gone" does not exist')

    monkeypatch.setattr(impersonation, "tenant_admin_email", refused)
    with pytest.raises(ValidationError, match="database does not answer: connection failed"):
        impersonation_start(
            slug="tenant-a", reason="x", origin=AuditOrigin(admin_email="ops@example.com")
        )
    client = platform_admin_client(admin_email())
    response = client.post("/tenants/tenant-a/impersonate/", {"reason": "Ticket 7"})
    assert response.status_code == 400
    assert "database does not answer" in html(response)
    assert not ImpersonationGrant.objects.exists()
