"""Schemathesis over the OpenAPI schema the tenant host serves (issue 18): every operation
of the staff API and of the portal API, signed in, called in-process through the WSGI
application, must answer no server error and only what the schema documents (status
code, content type and body). docs/api.md, "Fuzzing", says what runs and why.

Each of the two APIs gets a tenant of its own (made here, destroyed after the module), with
a few rows of every kind; about half of the random phase's paths get the id of one of
those rows instead of a random one, so updates, transitions and documents are reached too,
not only their 404s.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest
import schemathesis
from django.contrib.auth.hashers import make_password
from django.utils import translation
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dockpulse.actors import SYSTEM
from dockpulse.api.schema import SchemaGenerator
from dockpulse.events.models import EventLog
from dockpulse.tenancy import TenantInfo, tenant_context
from dockpulse.tenancy.registry import registry
from dockpulse.wsgi import application
from platform_app.services import tenant_create
from tenant_apps.configuration.models import TenantModule
from tenant_apps.products.models import Product
from tenant_apps.reports.registry import REPORTS
from tenant_apps.sales import services as sales
from tenant_apps.stock.models import StockLevel, StockMovement, Warehouse
from tests import factories as f
from tests.support import TEST_PASSWORD, api, destroy_tenants, host_of, receive, staff_user, tokens

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PORTAL_PHONE = "+48601234567"
PORTAL_PASSWORD = "Portal-Pass-2024"


def _tenant_schema() -> dict[str, Any]:
    """The schema HostSchemaView serves on a tenant host (test_served_schema_is_the_fuzzed_one
    compares them), built here because parametrizing needs it before any database exists."""
    with translation.override("en"):
        generated = SchemaGenerator(urlconf="dockpulse.urls_tenant").get_schema(public=True)
        loaded: dict[str, Any] = json.loads(OpenApiJsonRenderer().render(generated))
        return loaded


SCHEMA = _tenant_schema()
api_schema = schemathesis.openapi.from_dict(SCHEMA)
# In-process: the WSGI application is called in this thread, no server, no sockets.
api_schema.app = application
# Other methods than the documented ones would only be checked by a check we do not run.
api_schema.config.phases.coverage.unexpected_methods = set()
staff_schema = api_schema.exclude(path_regex="^/api/v1/portal/")
portal_schema = api_schema.include(path_regex="^/api/v1/portal/")

FUZZ = settings(
    max_examples=6,
    derandomize=True,  # the same cases on every run and in CI
    database=None,  # no .hypothesis/ folder in the repository
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@dataclass
class World:
    """A tenant to fuzz, a token for its API, and the ids of its rows by path prefix."""

    tenant: TenantInfo
    token: str
    ids: dict[str, list[str]] = field(default_factory=dict)
    # Which modules were on before the fuzzing switched any (see _call).
    modules: dict[str, bool] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return host_of(self.tenant)


# The world of the test running now, read by the path-parameter hook below.
CURRENT: dict[str, World] = {}


@api_schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    if not path_parameters:
        return st.just(path_parameters)
    world = CURRENT.get("world")
    path = context.operation.path
    names = [n for n in path_parameters if n in ("id", "name", "key", "module_code")]
    known = [
        (prefix, ids)
        for prefix, ids in (world.ids if world else {}).items()
        if path.startswith(prefix) and ids
    ]
    if not known or not names:
        return st.just(path_parameters)
    # The longest prefix is the resource: /stock/levels/ rather than /stock/.
    _, ids = max(known, key=lambda item: len(item[0]))
    name = names[0]
    return st.one_of(
        st.just(path_parameters),
        st.sampled_from(ids).map(lambda value: {**path_parameters, name: value}),
    )


@pytest.fixture(scope="module", autouse=True)
def _unthrottled() -> Iterator[None]:
    """Thousands of calls a minute from one user: the throttles (tested elsewhere) would
    answer most of them with 429, and the fuzzing would reach nothing else."""
    with mock.patch.dict(SimpleRateThrottle.THROTTLE_RATES, {"user": None, "anon": None}):
        yield


@pytest.fixture(scope="module")
def module_tenants(django_db_setup: None, django_db_blocker: Any) -> Iterator[Callable[[], Any]]:
    """Committed tenants for this module (make_tenant's, once for all its tests)."""
    slugs: list[str] = []

    def make() -> Any:
        slug = f"fz-{uuid.uuid4().hex[:10]}"
        slugs.append(slug)
        tenant_create(
            slug=slug, name="Fuzz", template="trade", admin_email="owner@example.com",
            admin_password=TEST_PASSWORD, language="en",
        )  # fmt: skip
        return registry.get(slug)

    with django_db_blocker.unblock():
        yield make
        destroy_tenants(slugs)


def _rows(tenant: TenantInfo, customer: Any) -> dict[str, str]:
    """An order, a sent quote and stock of two products for `customer`."""
    with tenant_context(tenant):
        chair = f.ProductFactory.create(code="KRZ-01", name="Oak chair", price="249.99")
        table = f.ProductFactory.create(code="STO-02", name="Table", price="900.00")
    receive(tenant, chair, "50")
    with tenant_context(tenant):
        line = {"product": str(chair.pk), "quantity": "2"}
        order = f.OrderFactory.create(customer=customer, lines=[line])
        quote = f.QuoteFactory.create(
            customer=customer, lines=[line, {**line, "product": table.pk}]
        )
        sales.quote_send(quote=quote, actor=SYSTEM, email=False)
    return {"order": str(order.pk), "quote": str(quote.pk)}


def _pks(model: Any) -> list[str]:
    return [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:3]]


@pytest.fixture(scope="module")
def staff_world(module_tenants: Callable[[], Any]) -> World:
    tenant = module_tenants()
    admin = staff_user(tenant, "admin")
    employee = staff_user(tenant, "employee")
    with tenant_context(tenant):
        customer = f.CustomerFactory.create(name="Jan Nowak", phone="+48602000111")
    rows = _rows(tenant, customer)
    with tenant_context(tenant):
        trigger = f.WorkflowTriggerFactory.create()
        modules = dict(TenantModule.objects.values_list("module_code", "is_enabled"))
        ids = {
            "/api/v1/customers/": [str(customer.pk)],
            "/api/v1/orders/": [rows["order"]],
            "/api/v1/quotes/": [rows["quote"]],
            "/api/v1/products/": _pks(Product),
            # Never the admin whose token the fuzzing uses: a DELETE would sign it out.
            "/api/v1/users/": [str(employee.pk)],
            "/api/v1/warehouses/": _pks(Warehouse),
            "/api/v1/stock/levels/": _pks(StockLevel),
            "/api/v1/stock/movements/": _pks(StockMovement),
            "/api/v1/settings/triggers/": [str(trigger.pk)],
            "/api/v1/events/": _pks(EventLog),
            "/api/v1/reports/": sorted(REPORTS)[:4],
            "/api/v1/settings/fields/": ["customer.email", "product.category"],
            # Every module: _call switches them back after each PATCH of one.
            "/api/v1/settings/modules/": sorted(modules),
        }
    pair = tokens(host_of(tenant), admin.email)
    return World(tenant=tenant, token=pair["access"], ids=ids, modules=modules)


@pytest.fixture(scope="module")
def portal_world(module_tenants: Callable[[], Any]) -> World:
    tenant = module_tenants()
    with tenant_context(tenant):
        customer = f.CustomerFactory.create(
            name="Anna Kowalska", phone=PORTAL_PHONE, is_portal_active=True,
            portal_password=make_password(PORTAL_PASSWORD), portal_first_login=False,
        )  # fmt: skip
    rows = _rows(tenant, customer)
    response = api(host_of(tenant)).post(
        "/api/v1/portal/auth/token/",
        {"phone": PORTAL_PHONE, "password": PORTAL_PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    ids = {"/api/v1/portal/orders/": [rows["order"]], "/api/v1/portal/quotes/": [rows["quote"]]}
    return World(tenant=tenant, token=response.json()["access"], ids=ids)


def _call(case: Any, world: World) -> None:
    CURRENT["world"] = world
    try:
        case.call_and_validate(
            base_url=f"http://{world.host}",
            headers={"Authorization": f"Bearer {world.token}"},
            checks=CHECKS,
        )
    finally:
        if case.operation.path == MODULE_SWITCH:
            _restore_modules(world)


# Its real codes are fuzzed too (not only 404s). A module it switches off would make every
# later operation of that module a 404 (still as documented, but nothing else of them
# reached), and the staff tenant is shared by all staff operations: so each call is undone.
MODULE_SWITCH = "/api/v1/settings/modules/{module_code}/"


def _restore_modules(world: World) -> None:
    with tenant_context(world.tenant):
        for enabled in (True, False):
            codes = [code for code, on in world.modules.items() if on is enabled]
            TenantModule.objects.filter(module_code__in=codes).update(is_enabled=enabled)


@staff_schema.parametrize()
@FUZZ
def test_staff_api(case: Any, staff_world: World) -> None:
    _call(case, staff_world)


@portal_schema.parametrize()
@FUZZ
def test_portal_api(case: Any, portal_world: World) -> None:
    _call(case, portal_world)


def test_served_schema_is_the_fuzzed_one(staff_world: World) -> None:
    """What the tenant host serves at /api/schema/ is the schema fuzzed above."""
    response = api(staff_world.host).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json() == SCHEMA
