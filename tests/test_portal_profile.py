"""The portal's profile: the customer's own details, page and API. What the tenant hid is not
shown and not taken, what it made required must be filled, the phone (the login) and the
details on documents are read-only, a change sends `customer.updated` with the customer as
the actor and shows in the staff's history; isolation, the @portal switch and the forced
password change."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from dockpulse.events.handlers import get_handler
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer
from tests import factories as f
from tests.portal_support import (  # noqa: F401  (fixtures)
    PHONE,
    fresh,
    locmem_sms,
    module_off,
    portal_bearer,
    portal_customer,
    portal_tokens,
    signed_in,
)
from tests.support import (
    api,
    assert_error,
    bearer,
    client_for,
    field_errors,
    fields_of,
    host_of,
    html,
    panel_client,
)

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.usefixtures("locmem_sms")]

PAGE = "/portal/profile/"
API = "/api/v1/portal/profile/"
ASK_PHONE = (
    "You sign in with this number, so it is not changed here: ask us to change it "
    "(write to us in Messages)."
)
ASK = "This is not changed here: ask us to change it (write to us in Messages)."
FILL = "Fill this in: we need it."

ANNA = {
    "name": "Anna Kowalska",
    "company_name": "Kowalska Sp. z o.o.",
    "email": "anna@example.com",
    "nip": "5260001246",
    "address_street": "Długa 5",
    "address_postal_code": "00-001",
    "address_city": "Warszawa",
    "notes": "Pays late; staff only",
    "tags": ["vip-secret"],
}


def anna(tenant: Any, **values: Any) -> Customer:
    return portal_customer(tenant, **{**ANNA, **values})


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "email": "anna@example.com",
        "address_street": "Długa 5",
        "address_postal_code": "00-001",
        "address_city": "Warszawa",
        "address_country": "PL",
    }
    data.update(changes)
    return data


def hide(tenant: Any, *names: str) -> None:
    with tenant_context(tenant):
        for name in names:
            f.FieldConfigFactory.create(entity_type="customer", field_name=name, is_visible=False)


def require(tenant: Any, *names: str) -> None:
    with tenant_context(tenant):
        for name in names:
            f.FieldConfigFactory.create(entity_type="customer", field_name=name, is_required=True)


def updates(tenant: Any, customer: Customer) -> list[EventLog]:
    with tenant_context(tenant):
        return list(
            EventLog.objects.filter(event_type="customer.updated", entity_id=customer.pk).order_by(
                "created_at"
            )
        )


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_details_the_phone_read_only_and_never_the_staff_notes(tenant_a):
    anna(tenant_a)
    response = signed_in(tenant_a).get(PAGE)
    assert response.status_code == 200
    page = html(response)
    fixed = re.search(r'<dl class="profile-fixed">(.*?)</dl>', page, re.S)
    assert fixed
    for shown in ("Anna Kowalska", "Kowalska Sp. z o.o.", PHONE, "5260001246"):
        assert shown in fixed.group(1)
    assert "You sign in with this number." in fixed.group(1)
    # Read-only means no input for them at all.
    for name in ("name", "company_name", "phone", "nip", "notes", "tags"):
        assert f'name="{name}"' not in page
    assert 'name="email" value="anna@example.com"' in page
    assert (
        'name="address_street" value="Długa 5"' in page
        and 'name="address_city" value="Warszawa"' in page
    )
    assert "Pays late" not in page and "vip-secret" not in page
    assert 'href="/portal/password/"' in page and 'href="/portal/messages/"' in page
    assert '<a href="/portal/profile/" aria-current="page">Profile</a>' in page
    assert "portal-profile.css" in page


def test_a_change_is_saved_sends_customer_updated_by_the_customer_and_shows_in_history(tenant_a):
    customer = anna(tenant_a)
    client = signed_in(tenant_a)
    response = client.post(
        PAGE,
        form_data(
            email="Anna.New@Example.com", address_city="Kraków", address_postal_code="30-001"
        ),
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    assert "Your details are saved." in html(client.get(PAGE))
    row = fresh(tenant_a, customer)
    assert (row.email, row.address_city, row.address_postal_code) == (
        "anna.new@example.com",
        "Kraków",
        "30-001",
    )
    [event] = updates(tenant_a, customer)
    assert (event.actor_type, event.user_id) == ("customer", customer.pk)
    assert event.payload["changed"] == ["address_city", "address_postal_code", "email"]
    # The staff see it in the customer's history (the bus's timeline handler).
    with tenant_context(tenant_a):
        get_handler("customers.timeline").func([event])
    detail = html(panel_client(tenant_a, "employee").get(f"/customers/{customer.pk}/"))
    history = detail[detail.index('id="timeline-heading"') :]
    assert "Changed their details in the portal" in history
    assert "anna.new@example.com" in detail and "Kraków" in detail

    # Saving again with nothing different: said so, and no event.
    client.post(
        PAGE,
        form_data(
            email="anna.new@example.com", address_city="Kraków", address_postal_code="30-001"
        ),
    )
    assert "Nothing to save: your details are as they were." in html(client.get(PAGE))
    assert len(updates(tenant_a, customer)) == 1


def test_read_only_and_staff_fields_posted_to_the_page_are_ignored(tenant_a):
    customer = anna(tenant_a)
    client = signed_in(tenant_a)
    response = client.post(
        PAGE,
        form_data(
            phone="+48601000999", name="Someone", nip="1234563218", notes="mine", tags="x",
            company_name="Other",
        ),
    )  # fmt: skip
    assert response.status_code == 302
    row = fresh(tenant_a, customer)
    assert (row.phone, row.name, row.nip, row.notes, row.company_name, row.tags) == (
        PHONE,
        "Anna Kowalska",
        "5260001246",
        "Pays late; staff only",
        "Kowalska Sp. z o.o.",
        ["vip-secret"],
    )
    assert updates(tenant_a, customer) == []  # the form's own fields were as they were
    # Still signed in with the same phone.
    assert signed_in(tenant_a).get(PAGE).status_code == 200


def test_a_bad_email_comes_back_on_its_field(tenant_a):
    customer = anna(tenant_a)
    response = signed_in(tenant_a).post(PAGE, form_data(email="not-an-email", address_city="Łódź"))
    assert response.status_code == 400
    page = html(response)
    assert "Enter a valid email address." in field_errors(page, "email")
    assert 'value="not-an-email"' in page and 'value="Łódź"' in page  # what was typed is kept
    assert fresh(tenant_a, customer).address_city == "Warszawa"  # nothing of it saved
    assert updates(tenant_a, customer) == []


def test_hidden_fields_are_not_shown_and_not_taken(tenant_a):
    customer = anna(tenant_a)
    hide(tenant_a, "email", "nip", "company_name")
    client = signed_in(tenant_a)
    page = html(client.get(PAGE))
    assert "anna@example.com" not in page and 'name="email"' not in page
    assert "5260001246" not in page and ">NIP<" not in page
    assert "Kowalska Sp. z o.o." not in page and ">Company<" not in page
    assert 'name="address_street"' in page  # what is not hidden stays
    response = client.post(PAGE, form_data(email="sneaky@example.com", address_city="Gdańsk"))
    assert response.status_code == 302
    row = fresh(tenant_a, customer)
    assert (row.email, row.address_city) == ("anna@example.com", "Gdańsk")

    body = portal_bearer(tenant_a).get(API).json()
    assert set(body) == {"id", "name", "phone", "address", "editable"}
    assert body["editable"] == ["address"]
    patch = portal_bearer(tenant_a).patch(API, {"email": "sneaky@example.com"}, format="json")
    assert fields_of(patch) == {"email": ["Unknown field."]}
    assert fresh(tenant_a, customer).email == "anna@example.com"


def test_everything_editable_hidden_leaves_only_the_details_and_the_password(tenant_a):
    anna(tenant_a)
    hide(tenant_a, "email", "address")
    page = html(signed_in(tenant_a).get(PAGE))
    assert '<form method="post" action="/portal/profile/"' not in page
    assert "Save my details" not in page and 'href="/portal/password/"' in page


def test_a_required_field_must_be_filled_on_the_page(tenant_a):
    customer = anna(tenant_a)
    require(tenant_a, "email", "address")
    client = signed_in(tenant_a)
    page = html(client.get(PAGE))
    email = re.search(r'<div class="field([^"]*)">\s*<label for="id_email"', page)
    assert email and "required" in email.group(1)
    response = client.post(
        PAGE, form_data(email="", address_street="", address_postal_code="", address_city="")
    )
    assert response.status_code == 400
    page = html(response)
    assert FILL in field_errors(page, "email")
    assert FILL in field_errors(page, "address")
    row = fresh(tenant_a, customer)
    assert (row.email, row.address_city) == ("anna@example.com", "Warszawa")
    assert updates(tenant_a, customer) == []
    # Filled, it saves.
    assert client.post(PAGE, form_data(email="a@example.com")).status_code == 302
    assert fresh(tenant_a, customer).email == "a@example.com"


def test_a_not_required_field_can_be_cleared(tenant_a):
    customer = anna(tenant_a)
    client = signed_in(tenant_a)
    assert client.post(PAGE, form_data(email="")).status_code == 302
    assert fresh(tenant_a, customer).email == ""
    assert updates(tenant_a, customer)[0].payload["changed"] == ["email"]


# --- the API ----------------------------------------------------------------------------------


def test_the_api_shows_the_visible_fields_and_patches_email_and_address(tenant_a):
    customer = anna(tenant_a)
    client = portal_bearer(tenant_a)
    body = client.get(API).json()
    assert body == {
        "id": str(customer.pk),
        "name": "Anna Kowalska",
        "company_name": "Kowalska Sp. z o.o.",
        "phone": PHONE,
        "email": "anna@example.com",
        "nip": "5260001246",
        "address": {
            "street": "Długa 5",
            "postal_code": "00-001",
            "city": "Warszawa",
            "country": "PL",
        },
        "editable": ["email", "address"],
    }
    response = client.patch(
        API, {"email": "ANNA@new.pl", "address": {"city": "Poznań"}}, format="json"
    )
    assert response.status_code == 200, response.content
    changed = response.json()
    assert changed["email"] == "anna@new.pl"
    assert changed["address"] == {
        "street": "Długa 5", "postal_code": "00-001", "city": "Poznań", "country": "PL"
    }  # fmt: skip
    [event] = updates(tenant_a, customer)
    assert (event.actor_type, event.user_id) == ("customer", customer.pk)
    assert event.payload["changed"] == ["address_city", "email"]


def test_the_api_refuses_read_only_and_unknown_fields_on_the_field(tenant_a):
    customer = anna(tenant_a)
    client = portal_bearer(tenant_a)
    response = client.patch(
        API,
        {"phone": "+48601000999", "name": "X", "nip": "1", "notes": "mine", "email": "bad"},
        format="json",
    )
    fields = fields_of(response)
    assert fields["phone"] == [ASK_PHONE]
    assert fields["name"] == [ASK] and fields["nip"] == [ASK]
    assert fields["notes"] == ["Unknown field."]
    assert_error(response, 400, "invalid")
    # The phone alone: refused all the same; a bad e-mail alone: on its field.
    assert fields_of(client.patch(API, {"phone": "601 000 999"}, format="json")) == {
        "phone": [ASK_PHONE]
    }
    assert fields_of(client.patch(API, {"email": "bad"}, format="json")) == {
        "email": ["Enter a valid email address."]
    }
    assert fields_of(client.patch(API, {"address": {"planet": "Mars"}}, format="json")) == {
        "address.planet": ["Unknown field."]
    }
    row = fresh(tenant_a, customer)
    assert (row.phone, row.name, row.email, row.notes) == (
        PHONE, "Anna Kowalska", "anna@example.com", "Pays late; staff only"
    )  # fmt: skip
    assert updates(tenant_a, customer) == []


def test_the_api_refuses_an_empty_required_field(tenant_a):
    customer = anna(tenant_a)
    require(tenant_a, "email", "address")
    client = portal_bearer(tenant_a)
    assert fields_of(client.patch(API, {"email": ""}, format="json")) == {"email": [FILL]}
    response = client.patch(
        API, {"address": {"street": "", "postal_code": "", "city": ""}}, format="json"
    )
    assert fields_of(response) == {"address": [FILL]}
    # A part of the address given: the rest stays, so it is still an address.
    assert client.patch(API, {"address": {"street": "Nowa 1"}}, format="json").status_code == 200
    assert fresh(tenant_a, customer).address_street == "Nowa 1"


def test_the_api_is_in_the_schema_under_portal(tenant_a):
    from django.test import Client

    schema = Client(HTTP_HOST=host_of(tenant_a)).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    operations = schema.json()["paths"]["/api/v1/portal/profile/"]
    assert {"get", "patch"} <= set(operations)
    assert operations["patch"]["tags"] == ["portal"]


# --- isolation, the switch, the forced change -------------------------------------------------


def test_customer_a_changes_only_their_own_details(tenant_a):
    customer = anna(tenant_a)
    with tenant_context(tenant_a):
        beata = f.CustomerFactory.create(
            name="Beata Nowak", email="beata@example.com", is_portal_active=True
        )
    client = signed_in(tenant_a)
    page = html(client.get(f"{PAGE}?customer={beata.pk}"))
    assert "Beata" not in page and "beata@example.com" not in page
    client.post(
        f"{PAGE}?customer={beata.pk}", {**form_data(email="a2@example.com"), "id": beata.pk}
    )
    assert fresh(tenant_a, beata).email == "beata@example.com"
    assert fresh(tenant_a, customer).email == "a2@example.com"
    api_client = portal_bearer(tenant_a)
    assert api_client.get(API).json()["id"] == str(customer.pk)
    assert fields_of(api_client.patch(API, {"id": str(beata.pk)}, format="json")) == {
        "id": ["Unknown field."]
    }


def test_a_session_and_a_token_of_tenant_a_are_useless_on_tenant_b(tenant_a, tenant_b):
    anna(tenant_a)
    theirs = portal_customer(tenant_b, name="Beata of B", email="b@example.com")
    client = signed_in(tenant_a)
    for method in (client.get, client.post):
        response = method(PAGE, form_data(email="hacked@example.com"), HTTP_HOST=host_of(tenant_b))
        assert response.status_code == 302
        assert response["Location"].startswith("/portal/login/")
    access = portal_tokens(tenant_a).json()["access"]
    b_api = bearer(access, host_of(tenant_b))
    assert_error(b_api.get(API), 401, "token_not_valid")
    assert_error(
        b_api.patch(API, {"email": "hacked@example.com"}, format="json"), 401, "token_not_valid"
    )
    assert fresh(tenant_b, theirs).email == "b@example.com"


def test_staff_tokens_and_no_token_are_refused(tenant_a):
    anna(tenant_a)
    assert client_for(tenant_a).get(API).status_code == 401
    assert api(host_of(tenant_a)).patch(API, {"email": "x@y.pl"}, format="json").status_code == 401


def test_with_the_portal_module_off_the_page_and_the_api_are_404(tenant_a):
    customer = anna(tenant_a)
    client = signed_in(tenant_a)
    api_client = portal_bearer(tenant_a)
    module_off(tenant_a)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, form_data(email="x@example.com")).status_code == 404
    assert api_client.get(API).status_code == 404
    assert api_client.patch(API, {"email": "x@example.com"}, format="json").status_code == 404
    assert fresh(tenant_a, customer).email == "anna@example.com"


def test_before_the_sms_password_is_changed_the_page_redirects_and_the_api_is_403(tenant_a):
    customer = anna(tenant_a, first_login=True)
    client = signed_in(tenant_a)
    for response in (client.get(PAGE), client.post(PAGE, form_data(email="x@example.com"))):
        assert response.status_code == 302 and response["Location"] == "/portal/password/"
    api_client = portal_bearer(tenant_a)
    assert_error(api_client.get(API), 403, "password_change_required")
    response = api_client.patch(API, {"email": "x@example.com"}, format="json")
    assert_error(response, 403, "password_change_required")
    assert fresh(tenant_a, customer).email == "anna@example.com"


def test_the_service_refuses_anyone_but_the_customer_and_fields_not_theirs(tenant_a):
    from django.core.exceptions import ValidationError

    from dockpulse.actors import SYSTEM, customer_actor
    from dockpulse.errors import NotPermitted
    from tenant_apps.customers.profile import customer_profile_update

    customer = anna(tenant_a)
    # The service answers in the active language: English here, whatever ran before.
    with tenant_context(tenant_a), translation.override("en"):
        other = f.CustomerFactory.create(is_portal_active=True)
        for actor in (SYSTEM, customer_actor(other)):
            with pytest.raises(NotPermitted):
                customer_profile_update(customer=customer, changes={"email": "x@y.pl"}, actor=actor)
        with pytest.raises(ValidationError) as refused:
            customer_profile_update(
                customer=customer, changes={"phone": "+48601000999"}, actor=customer_actor(customer)
            )
        assert refused.value.message_dict == {"phone": [ASK_PHONE]}
    assert fresh(tenant_a, customer).phone == PHONE
