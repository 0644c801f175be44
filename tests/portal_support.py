"""Shared by the portal's tests: a customer with portal access, signed in by page or token,
SMS captured in memory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django_redis import get_redis_connection

from dockpulse.notify import sms as sms_module
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.models import Customer
from tests import factories as f
from tests.support import api, host_of, html

PHONE = "+48601234567"
PASSWORD = "Portal-Pass-2024"
NEW_PASSWORD = "Brand-New-Pass-77"


@pytest.fixture
def locmem_sms() -> Iterator[list[Any]]:
    sms_module.outbox.clear()
    with override_settings(SMS_BACKEND="dockpulse.notify.sms.LocmemSmsBackend"):
        yield sms_module.outbox
    sms_module.outbox.clear()


@pytest.fixture
def _no_reset_codes_left_behind() -> Iterator[None]:
    yield
    redis = get_redis_connection("default")
    keys = list(redis.scan_iter(match="*portal-reset:*", count=1000))
    if keys:
        redis.delete(*keys)


def portal_customer(tenant: Any, *, first_login: bool = False, **values: Any) -> Customer:
    values.setdefault("phone", PHONE)
    with tenant_context(tenant):
        return f.CustomerFactory.create(
            name=values.pop("name", "Anna Kowalska"),
            is_portal_active=True,
            portal_password=make_password(values.pop("password", PASSWORD)),
            portal_first_login=first_login,
            **values,
        )


def fresh(tenant: Any, customer: Customer) -> Customer:
    with tenant_context(tenant):
        return Customer.objects.get(pk=customer.pk)


def portal_login(tenant: Any, phone: str = PHONE, password: str = PASSWORD, **extra: Any):
    client = Client(HTTP_HOST=host_of(tenant), **extra)
    response = client.post("/portal/login/", {"phone": phone, "password": password})
    return client, response


def signed_in(tenant: Any, **kwargs: Any) -> Client:
    client, response = portal_login(tenant, **kwargs)
    assert response.status_code == 302, html(response)
    return client


def portal_tokens(tenant: Any, phone: str = PHONE, password: str = PASSWORD) -> Any:
    return api(host_of(tenant)).post(
        "/api/v1/portal/auth/token/", {"phone": phone, "password": password}, format="json"
    )


def module_off(tenant: Any) -> None:
    with tenant_context(tenant):
        f.TenantModuleFactory.create(module_code="@portal", is_enabled=False)


def last_code(to: str = PHONE) -> str:
    [*_, message] = [m for m in sms_module.outbox if m.to == to]
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, message.body
    return match.group(1)


def portal_bearer(tenant: Any, phone: str = PHONE, password: str = PASSWORD) -> Any:
    """An API client with the customer's portal access token."""
    response = portal_tokens(tenant, phone, password)
    assert response.status_code == 200, response.content
    client = api(host_of(tenant))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client
