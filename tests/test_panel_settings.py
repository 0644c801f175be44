"""The settings pages (/settings/...): who may open them, users and roles, modules, field
rules, and tenant isolation. Triggers, numbering and the company profile are in
test_panel_settings_more.py."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.models import FieldConfig, TenantModule
from tests import factories as f
from tests.support import (
    TEST_PASSWORD,
    client_for,
    fields_of,
    host_of,
    login_page,
    panel_client,
    staff_user,
)

pytestmark = pytest.mark.django_db(databases="__all__")


def settings_urls(tenant) -> tuple[list[str], list[str]]:
    """(pages a GET opens, URLs a POST acts on) of every settings page."""
    with tenant_context(tenant):
        other = f.UserFactory.create(email="other@example.com", name="Other Person")
        trigger = f.WorkflowTriggerFactory.create()
    gets = [
        "/settings/",
        "/settings/modules/",
        "/settings/fields/",
        "/settings/company/",
        "/settings/users/",
        "/settings/users/invite/",
        f"/settings/users/{other.pk}/",
        "/settings/triggers/",
        "/settings/triggers/new/",
        f"/settings/triggers/{trigger.pk}/",
        "/settings/numbering/",
        "/settings/numbering/preview/?document_type=order&pattern=Z-{NNN}",
    ]
    posts = [
        "/settings/modules/@customers/",
        "/settings/fields/customer/",
        "/settings/company/",
        "/settings/users/invite/",
        f"/settings/users/{other.pk}/",
        f"/settings/users/{other.pk}/active/",
        f"/settings/users/{other.pk}/invitation/",
        "/settings/triggers/new/",
        f"/settings/triggers/{trigger.pk}/",
        f"/settings/triggers/{trigger.pk}/toggle/",
        f"/settings/triggers/{trigger.pk}/delete/",
        f"/settings/triggers/{trigger.pk}/test/",
        "/settings/numbering/",
    ]
    return gets, posts


# --- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_employees_and_managers_get_403_on_every_settings_url(tenant_a, role):
    gets, posts = settings_urls(tenant_a)
    client = panel_client(tenant_a, role)
    for url in [*gets, "/settings/company/logo/"]:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, {"enabled": "0", "active": "0"}).status_code == 403, url
    with tenant_context(tenant_a):
        # Nothing was changed by the refused posts.
        assert TenantModule.objects.get(module_code="@customers").is_enabled
        assert User.objects.get(email="other@example.com").is_active
    # ...and the menu has no Settings entry for them.
    home = client.get("/").content.decode()
    assert 'href="/settings/"' not in home


def test_admin_opens_every_settings_page_with_the_sections_menu(tenant_a):
    gets, _posts = settings_urls(tenant_a)
    client = panel_client(tenant_a, "admin")
    for url in gets:
        response = client.get(url)
        assert response.status_code == 200, url
    home = client.get("/").content.decode()
    assert 'href="/settings/"' in home
    page = client.get("/settings/users/").content.decode()
    menu = page.split('class="settings-menu"', 1)[1].split("</nav>", 1)[0]
    for label, url in [
        ("Company profile", "/settings/company/"),
        ("Users and roles", "/settings/users/"),
        ("Modules", "/settings/modules/"),
        ("Fields", "/settings/fields/"),
        ("Workflow triggers", "/settings/triggers/"),
        ("Number series", "/settings/numbering/"),
    ]:
        assert f'href="{url}"' in menu and label in menu, label
    assert 'href="/settings/users/" aria-current="page"' in menu


def test_anonymous_visitors_go_to_the_login_page(tenant_a):
    response = Client(HTTP_HOST=host_of(tenant_a)).get("/settings/users/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- users and roles -----------------------------------------------------------------------


def _link_in(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://\S+/reset/\S+/\S+/", str(message.body))
    assert found, message.body
    return found.group(0)


def test_invite_sends_a_working_set_password_link(tenant_a):
    admin = panel_client(tenant_a)
    mail.outbox.clear()
    response = admin.post(
        "/settings/users/invite/",
        {"name": "Ewa Nowak", "email": "Ewa.Nowak@Example.com", "role": "manager"},
    )
    assert response.status_code == 302 and response["Location"] == "/settings/users/"
    with tenant_context(tenant_a):
        invited = User.objects.get(email="ewa.nowak@example.com")
    assert invited.role == Role.MANAGER and not invited.has_usable_password()
    listing = admin.get("/settings/users/").content.decode()
    assert "Ewa Nowak" in listing and "Invited" in listing

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ewa.nowak@example.com"]
    assert "Company A" in message.subject
    link = urlparse(_link_in(message))
    assert link.hostname == host_of(tenant_a)

    visitor = Client(HTTP_HOST=host_of(tenant_a))
    opened = visitor.get(link.path)
    assert opened.status_code == 302  # Django moves the token into the session
    form_page = visitor.get(opened["Location"])
    assert form_page.status_code == 200 and b"new_password1" in form_page.content
    done = visitor.post(
        opened["Location"],
        {"new_password1": "Ewa-New-Pass-42", "new_password2": "Ewa-New-Pass-42"},
    )
    assert done.status_code == 302 and done["Location"] == "/reset/done/"
    _client, response = login_page(host_of(tenant_a), "ewa.nowak@example.com", "Ewa-New-Pass-42")
    assert response.status_code == 302 and response["Location"] == "/"
    # The link is spent once the password is set.
    assert Client(HTTP_HOST=host_of(tenant_a)).get(link.path).status_code == 200
    assert b"new_password1" not in Client(HTTP_HOST=host_of(tenant_a)).get(link.path).content


def test_invite_errors_are_on_their_fields(tenant_a):
    admin = panel_client(tenant_a)
    response = admin.post(
        "/settings/users/invite/",
        {"name": "Dup", "email": "admin@tenant-a.example.com", "role": "employee"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert "A user with this e-mail already exists." in html


def test_invite_past_the_plans_user_limit_is_refused_with_a_clear_message(tenant_a):
    admin = panel_client(tenant_a)  # business plan: 10 active users
    with tenant_context(tenant_a):
        for i in range(10 - User.objects.filter(is_active=True).count()):
            user_create(email=f"fill{i}@example.com", name="Fill", password="Fill-Pass-123")
    mail.outbox.clear()
    response = admin.post(
        "/settings/users/invite/", {"name": "One Too Many", "email": "more@example.com",
                                    "role": "employee"}
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your plan allows 10 active users; upgrade the plan to add more." in html
    assert 'class="form-errors"' in html
    assert mail.outbox == []
    with tenant_context(tenant_a):
        assert not User.objects.filter(email="more@example.com").exists()


def test_a_failed_invitation_email_creates_no_user(tenant_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    response = panel_client(tenant_a).post(
        "/settings/users/invite/", {"name": "No Mail", "email": "nomail@example.com",
                                    "role": "employee"}
    )  # fmt: skip
    assert response.status_code == 400
    assert "The invitation could not be sent to nomail@example.com" in response.content.decode()
    with tenant_context(tenant_a):
        assert not User.objects.filter(email="nomail@example.com").exists()


def test_role_change_and_self_demotion_error_on_the_role_field(tenant_a):
    admin = panel_client(tenant_a)
    with tenant_context(tenant_a):
        person = f.UserFactory.create(email="person@example.com", role=Role.EMPLOYEE)
        me = User.objects.get(email="admin@tenant-a.example.com")
    changed = admin.post(
        f"/settings/users/{person.pk}/", {"name": "Promoted", "phone": "601 234 567",
                                          "role": "manager"}
    )  # fmt: skip
    assert changed.status_code == 302
    with tenant_context(tenant_a):
        person.refresh_from_db()
    assert (person.role, person.name, person.phone) == ("manager", "Promoted", "+48601234567")

    refused = admin.post(f"/settings/users/{me.pk}/", {"name": me.name, "role": "employee"})
    assert refused.status_code == 400
    html = refused.content.decode()
    role_field = html.split('id="id_role"', 1)[1].split('class="field', 1)[0]
    assert "You cannot take the administrator role from yourself." in role_field
    assert 'id="id_role_error"' in html
    with tenant_context(tenant_a):
        me.refresh_from_db()
    assert me.role == Role.ADMIN

    bad_phone = admin.post(f"/settings/users/{person.pk}/", {"name": "X", "phone": "12",
                                                              "role": "manager"})  # fmt: skip
    assert bad_phone.status_code == 400 and 'id="id_phone_error"' in bad_phone.content.decode()


def test_deactivate_and_reactivate_but_not_yourself(tenant_a):
    admin = panel_client(tenant_a)
    worker = staff_user(tenant_a, "employee")
    worker_client = panel_client(tenant_a, "employee")
    with tenant_context(tenant_a):
        me = User.objects.get(email="admin@tenant-a.example.com")
    response = admin.post(f"/settings/users/{worker.pk}/active/", {"active": "0"}, follow=True)
    assert "is deactivated and can no longer log in" in response.content.decode()
    with tenant_context(tenant_a):
        worker.refresh_from_db()
    assert not worker.is_active
    assert worker_client.get("/").status_code == 302  # signed out: the account is off
    _client, login = login_page(host_of(tenant_a), worker.email, TEST_PASSWORD)
    assert login.status_code == 200  # refused

    admin.post(f"/settings/users/{worker.pk}/active/", {"active": "1"})
    with tenant_context(tenant_a):
        worker.refresh_from_db()
    assert worker.is_active

    mine = admin.post(f"/settings/users/{me.pk}/active/", {"active": "0"}, follow=True)
    assert "You cannot deactivate yourself." in mine.content.decode()
    with tenant_context(tenant_a):
        me.refresh_from_db()
    assert me.is_active
    # No deactivate button on one's own row.
    page = admin.get("/settings/users/").content.decode()
    assert f"/settings/users/{me.pk}/active/" not in page
    assert f"/settings/users/{worker.pk}/active/" in page


def _tenant_queries(client: Client, tenant, url: str) -> int:
    with CaptureQueriesContext(connections[tenant.alias]) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_users_list_runs_the_same_queries_for_1_or_30_users(tenant_a):
    admin = panel_client(tenant_a)
    with tenant_context(tenant_a):
        f.UserFactory.create(is_active=False)
    few = _tenant_queries(admin, tenant_a, "/settings/users/")
    with tenant_context(tenant_a):
        f.UserFactory.create_batch(29, is_active=False)
    assert _tenant_queries(admin, tenant_a, "/settings/users/") == few


# --- modules -------------------------------------------------------------------------------


def test_module_off_hides_its_nav_entry_and_404s_its_pages_and_api(tenant_a):
    admin = panel_client(tenant_a)
    api = client_for(tenant_a, "admin")
    page = admin.get("/settings/modules/").content.decode()
    assert "Customer records, contacts and history." in page and "@customers" in page
    assert 'href="/customers/"' in admin.get("/").content.decode()

    response = admin.post("/settings/modules/@customers/", {"enabled": "0"}, follow=True)
    assert "Customers is off." in response.content.decode()
    with tenant_context(tenant_a):
        assert not TenantModule.objects.get(module_code="@customers").is_enabled
    assert 'href="/customers/"' not in admin.get("/").content.decode()
    assert admin.get("/customers/").status_code == 404
    assert api.get("/api/v1/customers/").status_code == 404

    admin.post("/settings/modules/@customers/", {"enabled": "1"})
    assert admin.get("/customers/").status_code == 200
    assert api.get("/api/v1/customers/").status_code == 200


def test_notifications_off_takes_the_triggers_section_away(tenant_a):
    admin = panel_client(tenant_a)
    admin.post("/settings/modules/@notifications/", {"enabled": "0"})
    assert admin.get("/settings/triggers/").status_code == 404
    assert 'href="/settings/triggers/"' not in admin.get("/settings/").content.decode()


def test_unknown_module_is_404(tenant_a):
    assert (
        panel_client(tenant_a).post("/settings/modules/@nope/", {"enabled": "1"}).status_code == 404
    )


# --- field rules ---------------------------------------------------------------------------


def test_hidden_field_cannot_be_required_error_on_the_field_and_nothing_saved(tenant_a):
    admin = panel_client(tenant_a)
    response = admin.post(
        "/settings/fields/customer/",
        {
            "customer-email-visible": "on", "customer-email-required": "on",
            "customer-nip-required": "on",  # hidden (no visible box) and required
            "customer-company_name-visible": "on", "customer-address-visible": "on",
            "customer-notes-visible": "on", "customer-tags-visible": "on",
        },
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_customer-nip-required_error"' in html
    assert "A hidden field cannot be required." in html
    with tenant_context(tenant_a):
        assert not FieldConfig.objects.filter(entity_type="customer", is_required=True).exists()
        assert not FieldConfig.objects.filter(entity_type="customer", is_visible=False).exists()


def test_field_rules_round_trip_and_shape_the_customer_api(tenant_a):
    admin = panel_client(tenant_a)
    response = admin.post(
        "/settings/fields/customer/",
        {
            "customer-email-visible": "on", "customer-email-required": "on",
            # nip: neither box, so hidden
            "customer-company_name-visible": "on", "customer-address-visible": "on",
            "customer-notes-visible": "on", "customer-tags-visible": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(tenant_a):
        rules = {
            c.field_name: (c.is_visible, c.is_required)
            for c in FieldConfig.objects.filter(entity_type="customer")
        }
    assert rules["nip"] == (False, False) and rules["email"] == (True, True)

    page = admin.get("/settings/fields/").content.decode()
    assert re.search(r'name="customer-email-required"[^>]*checked', page)
    assert not re.search(r'name="customer-nip-visible"[^>]*checked', page)
    assert re.search(r'name="customer-company_name-visible"[^>]*checked', page)
    assert "Always shown and required" in page  # name and phone

    api = client_for(tenant_a, "admin")
    hidden = api.post(
        "/api/v1/customers/",
        {"name": "Jan", "phone": "+48601234567", "email": "jan@example.com",
         "nip": "5250001234"}, format="json",
    )  # fmt: skip
    assert "nip" in fields_of(hidden)
    missing = api.post("/api/v1/customers/", {"name": "Jan", "phone": "+48601234567"},
                       format="json")  # fmt: skip
    assert "email" in fields_of(missing)


def test_unknown_entity_is_404(tenant_a):
    assert panel_client(tenant_a).post("/settings/fields/nothing/", {}).status_code == 404


# --- isolation -----------------------------------------------------------------------------


def test_tenant_a_session_on_tenant_b_host_gets_nothing(tenant_a, tenant_b):
    gets, posts = settings_urls(tenant_b)
    a_admin = panel_client(tenant_a)
    for url in [*gets, "/settings/company/logo/"]:
        response = a_admin.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for url in posts:
        response = a_admin.post(url, {"enabled": "0", "active": "0"}, HTTP_HOST=host_of(tenant_b))
        assert response.status_code in (302, 403), url
        assert response.status_code == 403 or "/login/" in response["Location"], url
    with tenant_context(tenant_b):
        assert TenantModule.objects.get(module_code="@customers").is_enabled
        assert User.objects.get(email="other@example.com").is_active


def test_tenant_b_ids_on_tenant_a_host_are_404(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        b_user = User.objects.get(email="admin@tenant-b.example.com")
        b_trigger = f.WorkflowTriggerFactory.create()
    admin = panel_client(tenant_a)
    for url in (f"/settings/users/{b_user.pk}/", f"/settings/triggers/{b_trigger.pk}/"):
        assert admin.get(url).status_code == 404, url
    for url in (
        f"/settings/users/{b_user.pk}/active/",
        f"/settings/users/{b_user.pk}/invitation/",
        f"/settings/triggers/{b_trigger.pk}/toggle/",
        f"/settings/triggers/{b_trigger.pk}/delete/",
        f"/settings/triggers/{b_trigger.pk}/test/",
    ):
        assert admin.post(url, {"active": "0"}).status_code == 404, url
    with tenant_context(tenant_b):
        assert User.objects.get(pk=b_user.pk).is_active
        assert f.WorkflowTriggerFactory._meta.model.objects.filter(pk=b_trigger.pk).exists()
