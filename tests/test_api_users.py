"""Users and module settings over the API: the role matrix, plan limits, events."""

from __future__ import annotations

import threading

import pytest
from rest_framework.test import APIClient

from dockpulse.errors import PlanLimitError
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.models import TenantModule
from tests.support import client_for, new_user

HOST = "tenant-a.localhost"


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize(
    ("role", "allowed"), [("admin", True), ("manager", False), ("employee", False)]
)
def test_role_matrix_for_users_and_settings(tenant_a, role, allowed):
    client = client_for(tenant_a, role)
    with tenant_context(tenant_a):
        target = User.objects.get(email="admin@tenant-a.example.com")
    calls = [
        client.get("/api/v1/users/"),
        client.get(f"/api/v1/users/{target.id}/"),
        client.post("/api/v1/users/", new_user(), format="json"),
        client.patch(f"/api/v1/users/{target.id}/", {"name": "Renamed"}, format="json"),
        client.get("/api/v1/settings/modules/"),
        # @reports: on in trade and in the business plan (@ai is outside the plan, and
        # switching it on is refused: tests/test_platform_plans_pages.py).
        client.patch("/api/v1/settings/modules/@reports/", {"is_enabled": False}, format="json"),
    ]
    for response in calls:
        if allowed:
            assert response.status_code in (200, 201), response.content
        else:
            assert response.status_code == 403, response.content
            assert response.json()["error"]["code"] == "permission_denied"
    with tenant_context(tenant_a):
        assert User.objects.filter(email="new.person@example.com").exists() == allowed
        assert TenantModule.objects.get(module_code="@reports").is_enabled != allowed


@pytest.mark.django_db(databases="__all__")
def test_admin_manages_users_with_events(tenant_a):
    client = client_for(tenant_a, "admin")
    created = client.post("/api/v1/users/", new_user(role="manager"), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["role"] == "manager" and "password" not in body
    user_id = body["id"]

    listed = client.get("/api/v1/users/", {"search": "new.person"}).json()
    assert [u["email"] for u in listed["results"]] == ["new.person@example.com"]

    edited = client.patch(f"/api/v1/users/{user_id}/", {"role": "employee"}, format="json")
    assert edited.json()["role"] == "employee"
    assert client.delete(f"/api/v1/users/{user_id}/").status_code == 204
    assert client.get(f"/api/v1/users/{user_id}/").json()["is_active"] is False
    # A deactivated user cannot log in.
    login = APIClient(HTTP_HOST=HOST).post(
        "/api/v1/auth/token/",
        {"email": "new.person@example.com", "password": "New-Person-Pass-1"},
        format="json",
    )
    assert login.status_code == 401
    with tenant_context(tenant_a):
        kinds = list(
            EventLog.objects.filter(entity_id=user_id)
            .order_by("created_at")
            .values_list("event_type", flat=True)
        )
    assert kinds == ["entity.created", "entity.updated", "entity.updated"]


@pytest.mark.django_db(databases="__all__")
def test_bad_user_input_is_400_per_field(tenant_a):
    client = client_for(tenant_a, "admin")
    response = client.post(
        "/api/v1/users/",
        {"email": "not-an-email", "name": "", "role": "boss", "password": "1"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"email", "name", "role"}
    weak = client.post("/api/v1/users/", new_user(password="12345678"), format="json")
    assert weak.status_code == 400
    assert "password" in weak.json()["error"]["fields"]
    duplicate = client.post(
        "/api/v1/users/", new_user(email="ADMIN@tenant-a.example.com"), format="json"
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["fields"]["email"] == [
        "A user with this e-mail already exists."
    ]


@pytest.mark.django_db(databases="__all__")
def test_admin_cannot_lock_themselves_out(tenant_a):
    client = client_for(tenant_a, "admin")
    with tenant_context(tenant_a):
        me = User.objects.get(email="admin@tenant-a.example.com")
    demote = client.patch(f"/api/v1/users/{me.id}/", {"role": "employee"}, format="json")
    assert demote.status_code == 400 and "role" in demote.json()["error"]["fields"]
    assert client.delete(f"/api/v1/users/{me.id}/").status_code == 400


@pytest.mark.django_db(databases="__all__")
def test_other_tenants_user_id_is_404(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        b_admin = User.objects.get(email="admin@tenant-b.example.com")
    client = client_for(tenant_a, "admin")
    assert client.get(f"/api/v1/users/{b_admin.id}/").status_code == 404
    response = client.patch(f"/api/v1/users/{b_admin.id}/", {"name": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db(databases="__all__")
def test_plan_limit_on_users_is_403_naming_the_limit(tenant_a):
    client = client_for(tenant_a, "admin")  # business plan: 10 active users
    with tenant_context(tenant_a):
        active = User.objects.filter(is_active=True).count()
        for i in range(10 - active):
            user_create(email=f"fill{i}@example.com", name="Fill", password="Fill-Pass-123")
    response = client.post("/api/v1/users/", new_user(), format="json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "plan_limit_reached"
    assert "10 active users" in error["message"]


def test_concurrent_creates_at_the_limit_cannot_both_pass(make_tenant):
    tenant = make_tenant(plan_code="starter")  # 3 active users; the owner is one
    with tenant_context(tenant):
        user_create(email="second@example.com", name="Second", password="Second-Pass-1")
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def create(i: int) -> None:
        barrier.wait()
        try:
            with tenant_context(tenant):
                user_create(email=f"race{i}@example.com", name="Race", password="Race-Pass-123")
            outcomes.append("created")
        except PlanLimitError:
            outcomes.append("refused")
        finally:
            from django.db import connections

            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]
    with tenant_context(tenant):
        assert User.objects.filter(is_active=True).count() == 3


@pytest.mark.django_db(databases="__all__")
def test_admin_role_opens_the_admin_site_and_follows_role_changes(tenant_a):
    client = client_for(tenant_a, "admin")
    created = client.post("/api/v1/users/", new_user(role="admin"), format="json").json()
    site = APIClient(HTTP_HOST=HOST)
    site.post("/login/", {"username": "new.person@example.com", "password": "New-Person-Pass-1"})
    assert site.get("/admin/").status_code == 200
    client.patch(f"/api/v1/users/{created['id']}/", {"role": "employee"}, format="json")
    assert site.get("/admin/").status_code == 302  # to the admin's login: no access


@pytest.mark.django_db(databases="__all__")
def test_users_list_query_count_does_not_grow(tenant_a):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    client = client_for(tenant_a, "admin")
    counts = []
    for total in (5, 9):
        with tenant_context(tenant_a):
            while User.objects.count() < total:
                n = User.objects.count()
                user_create(email=f"q{n}@example.com", name="Q", password="Q-Pass-12345")
        with CaptureQueriesContext(connections["tenant_tenant-a"]) as queries:
            assert len(client.get("/api/v1/users/").json()["results"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
