"""Staff phone numbers are stored in E.164, like customers' (the SMS to the admins needs
one), whether they come through the API or the tenant's Django admin."""

from __future__ import annotations

import pytest

from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import user_create
from tests.support import TEST_PASSWORD, browser_login, client_for, new_user

pytestmark = pytest.mark.django_db(databases="__all__")

NOT_VALID = "This is not a valid phone number."


def stored_phone(tenant, email: str) -> str:
    with tenant_context(tenant):
        return User.objects.get(email=email).phone


def an_employee(tenant, email: str = "phone.person@example.com", phone: str = "") -> User:
    with tenant_context(tenant):
        return user_create(
            email=email, name="Phone Person", password=TEST_PASSWORD, role="employee", phone=phone
        )


# --- the API -----------------------------------------------------------------------------


def test_api_create_stores_a_spaced_phone_in_e164(tenant_a):
    client = client_for(tenant_a, "admin")
    created = client.post("/api/v1/users/", new_user(phone="+48 600 700 800"), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["phone"] == "+48600700800"
    assert stored_phone(tenant_a, "new.person@example.com") == "+48600700800"


def test_api_create_without_a_country_code_assumes_poland(tenant_a):
    client = client_for(tenant_a, "admin")
    created = client.post("/api/v1/users/", new_user(phone="600 700 800"), format="json")
    assert created.status_code == 201, created.content
    assert stored_phone(tenant_a, "new.person@example.com") == "+48600700800"


def test_api_create_without_a_phone_keeps_it_empty(tenant_a):
    client = client_for(tenant_a, "admin")
    created = client.post("/api/v1/users/", new_user(), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["phone"] == ""
    assert stored_phone(tenant_a, "new.person@example.com") == ""


def test_api_create_refuses_a_bad_phone_on_its_field(tenant_a):
    client = client_for(tenant_a, "admin")
    response = client.post("/api/v1/users/", new_user(phone="12"), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["phone"] == [NOT_VALID]
    with tenant_context(tenant_a):
        assert not User.objects.filter(email="new.person@example.com").exists()


def test_api_update_normalises_refuses_and_clears_the_phone(tenant_a):
    client = client_for(tenant_a, "admin")
    user = an_employee(tenant_a)
    url = f"/api/v1/users/{user.id}/"
    spaced = client.patch(url, {"phone": "+48 600 700 800"}, format="json")
    assert spaced.status_code == 200, spaced.content
    assert spaced.json()["phone"] == "+48600700800"
    assert stored_phone(tenant_a, user.email) == "+48600700800"
    local = client.patch(url, {"phone": "601 234 567"}, format="json")
    assert local.json()["phone"] == "+48601234567"
    bad = client.patch(url, {"phone": "12"}, format="json")
    assert bad.status_code == 400, bad.content
    assert bad.json()["error"]["fields"]["phone"] == [NOT_VALID]
    assert stored_phone(tenant_a, user.email) == "+48601234567"
    cleared = client.patch(url, {"phone": ""}, format="json")
    assert cleared.status_code == 200, cleared.content
    assert stored_phone(tenant_a, user.email) == ""


# --- the tenant's Django admin -----------------------------------------------------------


ADD_FORM = {
    "email": "desk@example.com",
    "name": "Front Desk",
    "role": "employee",
    "password1": "Front-Desk-Pass-1",
    "password2": "Front-Desk-Pass-1",
}


def test_admin_add_form_stores_a_spaced_phone_in_e164(tenant_a):
    client = browser_login()
    assert 'name="phone"' in client.get("/admin/accounts/user/add/").content.decode()
    response = client.post("/admin/accounts/user/add/", {**ADD_FORM, "phone": "+48 600 700 800"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert stored_phone(tenant_a, "desk@example.com") == "+48600700800"


def test_admin_add_form_shows_a_bad_phone_on_its_field(tenant_a):
    client = browser_login()
    response = client.post("/admin/accounts/user/add/", {**ADD_FORM, "phone": "12"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"] == [NOT_VALID]
    assert NOT_VALID in response.content.decode()
    with tenant_context(tenant_a):
        assert not User.objects.filter(email="desk@example.com").exists()


def change_form(user: User, phone: str) -> dict[str, str]:
    return {
        "email": user.email,
        "name": user.name,
        "phone": phone,
        "role": user.role,
        "settings": "{}",
        "is_active": "on",
    }


def test_admin_change_form_stores_a_spaced_phone_in_e164(tenant_a):
    user = an_employee(tenant_a)
    client = browser_login()
    url = f"/admin/accounts/user/{user.pk}/change/"
    response = client.post(url, change_form(user, "600 700 800"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert stored_phone(tenant_a, user.email) == "+48600700800"


def test_admin_change_form_shows_a_bad_phone_on_its_field(tenant_a):
    user = an_employee(tenant_a, phone="601 234 567")
    client = browser_login()
    url = f"/admin/accounts/user/{user.pk}/change/"
    response = client.post(url, {**change_form(user, "12"), "name": "Renamed"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"] == [NOT_VALID]
    assert NOT_VALID in response.content.decode()
    with tenant_context(tenant_a):
        user.refresh_from_db()
    assert (user.name, user.phone) == ("Phone Person", "+48601234567")
