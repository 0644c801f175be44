"""A plan's limits reach its tenants' writes from their next request.

The limits travel on the tenant's cached info; editing the plan must give its tenants new
stamps, or a process would keep checking the old limits until the tenant changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from dockpulse.tenancy import platform_context
from dockpulse.tenancy.registry import registry
from platform_app.models import Plan, Tenant
from tenant_apps.accounts.models import User
from tests.support import TEST_PASSWORD

OPERATOR = "plans@platform.example.com"


@pytest.fixture
def small_plan(committed: None) -> Iterator[Plan]:
    """A plan of its own (the seeded ones are shared by the whole run); requested before
    make_tenant, so it is removed after the tenants on it."""
    plan = Plan.objects.create(
        code=f"small-{uuid.uuid4().hex[:8]}", name="Small", price_monthly=Decimal("10.00"),
        price_yearly=Decimal("100.00"), max_users=5, max_customers=2,
    )  # fmt: skip
    yield plan
    Plan.objects.filter(pk=plan.pk).delete()


@pytest.fixture
def operator(committed: None) -> Iterator[Client]:
    """A platform admin signed in on the platform host."""
    with platform_context():
        user = User.objects.create_superuser(OPERATOR, TEST_PASSWORD, name="Operator")
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client = Client(HTTP_HOST="app.localhost")
    assert (
        client.post("/login/", {"username": OPERATOR, "password": TEST_PASSWORD}).status_code == 302
    )
    # The second factor: a code made from the device's secret (docs/platform.md).
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    assert client.post("/login/code/", {"code": code}).status_code == 302
    yield client
    client.post("/logout/")
    # Not User.delete(): its cascade would look for the tenant apps' tables, which the
    # platform database does not have. The admin's change log, its device and its audit
    # rows are all that refer to it.
    with connections["default"].cursor() as cursor:
        cursor.execute("DELETE FROM otp_totp_totpdevice WHERE user_id = %s", [user.pk])
        cursor.execute("DELETE FROM tenant_audit_log WHERE admin_email = %s", [OPERATOR])
        cursor.execute(
            "DELETE FROM django_admin_log WHERE user_id IN (SELECT id FROM users WHERE email = %s)",
            [OPERATOR],
        )
        cursor.execute("DELETE FROM users WHERE email = %s", [OPERATOR])


def owner_api(tenant: object) -> APIClient:
    """The API as the tenant's first admin (make_tenant's owner)."""
    client = APIClient(HTTP_HOST=f"{tenant.slug}.localhost")  # type: ignore[attr-defined]
    pair = client.post(
        "/api/v1/auth/token/",
        {"email": "owner@example.com", "password": TEST_PASSWORD},
        format="json",
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    return client


def customer(n: int) -> dict[str, str]:
    return {"name": f"Customer {n}", "phone": f"60{n:07d}"}


def test_lowering_a_plan_limit_in_the_admin_refuses_the_next_create(
    small_plan: Plan, make_tenant: Callable[..., object], operator: Client
) -> None:
    tenant = make_tenant(plan_code=small_plan.code)
    api = owner_api(tenant)
    assert api.post("/api/v1/customers/", customer(1), format="json").status_code == 201
    cached = registry.get(tenant.slug)  # type: ignore[attr-defined]
    assert cached is not None and cached.limit("max_customers") == 2

    form = {
        "code": small_plan.code, "name": small_plan.name, "price_monthly": "10.00",
        "price_yearly": "100.00", "currency": "PLN", "features": "{}", "max_users": "5",
        "max_customers": "1", "is_active": "on",
    }  # fmt: skip
    saved = operator.post(f"/admin/platform_app/plan/{small_plan.pk}/change/", form)
    assert saved.status_code == 302, saved.content.decode()

    # The very next write, in a process that had the tenant cached with the old limit.
    info = registry.get(cached.slug)
    assert info is not None and info.stamp != cached.stamp
    assert info.limit("max_customers") == 1
    refused = api.post("/api/v1/customers/", customer(2), format="json")
    assert refused.status_code == 403, refused.content
    error = refused.json()["error"]
    assert error["code"] == "plan_limit_reached"
    assert "1 customer;" in error["message"]


def test_moving_a_tenant_to_a_smaller_plan_refuses_the_next_create(
    small_plan: Plan, make_tenant: Callable[..., object], operator: Client
) -> None:
    tenant = make_tenant()  # no plan: unlimited
    api = owner_api(tenant)
    for n in (1, 2):
        assert api.post("/api/v1/customers/", customer(n), format="json").status_code == 201
    row = Tenant.objects.get(slug=tenant.slug)  # type: ignore[attr-defined]

    # The Django admin shows the plan but does not change it: a change goes through
    # tenant_plan_change (the limits check, the plan history billing prorates by).
    form = {
        "name": row.name, "template": row.template, "plan": str(small_plan.pk),
        "status_reason": "", "time_zone": row.time_zone, "language": row.language,
        "currency": row.currency, "settings": "{}",
    }  # fmt: skip
    saved = operator.post(f"/admin/platform_app/tenant/{row.pk}/change/", form)
    assert saved.status_code == 302, saved.content.decode()
    row.refresh_from_db()
    assert row.plan_id is None

    # The tenant's page: 2 customers fit the small plan's 2, so the move is allowed.
    moved = operator.post(f"/tenants/{row.slug}/plan/", {"plan": small_plan.code})
    assert moved.status_code == 302, moved.content.decode()
    row.refresh_from_db()
    assert row.plan_id == small_plan.pk

    info = registry.get(row.slug)
    assert info is not None and info.limit("max_customers") == 2
    refused = api.post("/api/v1/customers/", customer(3), format="json")
    assert refused.status_code == 403, refused.content
    assert refused.json()["error"]["code"] == "plan_limit_reached"
