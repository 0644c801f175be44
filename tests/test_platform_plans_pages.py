"""Plans on the platform host (issue 16, "Plans" and "Module registry"): a plan's modules
are enforced for its tenants (a module outside the plan is a 404 in the API and the
panel, and cannot be switched on), a tenant's plan change is refused with the numbers
when the tenant is over the new plan's limits, plans are created and edited through forms
that say what is wrong on the field, and the module registry is shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client

from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.info import TenantInfo
from dockpulse.tenancy.registry import registry
from platform_app.models import Plan, Tenant, TenantAuditLog, TenantPlanPeriod
from platform_app.services.plans import (
    PlanValues,
    plan_create,
    plan_update,
    platform_today,
    tenant_plan_change,
)
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.models import TenantModule
from tenant_apps.customers.models import Customer
from tests.platform_support import HOST, platform_admin_client
from tests.support import (
    STOCK_URLS,
    TENANT_A_ADMIN,
    TENANT_A_HOST,
    TEST_PASSWORD,
    client_for,
    html,
    panel_client,
    tokens,
)

# Each test in a rolled-back transaction, but the first: it commits (a fresh tenant whose
# plan changes must be published to be seen), so it has no django_db mark.
in_transaction = pytest.mark.django_db(databases="__all__")

ALL_MODULES = [
    "@customers", "@products", "@orders", "@quotes", "@stock", "@portal", "@notifications",
    "@reports", "@ai",
]  # fmt: skip
STOCK_PAGES = ["/stock/", "/stock/warehouses/", "/stock/movements/"]


def values(code: str, **changes: object) -> PlanValues:
    base: dict[str, object] = {
        "code": code, "name": f"Plan {code}", "price_monthly": Decimal("10.00"),
        "price_yearly": Decimal("100.00"), "currency": "PLN", "max_users": None,
        "max_customers": None, "modules": tuple(ALL_MODULES), "is_active": True,
    }  # fmt: skip
    base.update(changes)
    return PlanValues(**base)  # type: ignore[arg-type]


@pytest.fixture
def committed_plans(committed: None) -> Iterator[list[str]]:
    """Codes of plans a committed test makes; removed after its tenants (request this
    fixture before make_tenant / fresh_tenant)."""
    codes: list[str] = []
    yield codes
    TenantAuditLog.objects.filter(action__startswith="plan.", details__plan__in=codes).delete()
    Plan.objects.filter(code__in=codes).delete()


@pytest.fixture
def committed_admin(committed: None) -> Iterator[Client]:
    """A platform admin past the second factor, in a test that commits (removed after)."""
    email = f"plans-{uuid.uuid4().hex[:8]}@platform.example.com"
    client = platform_admin_client(email)
    yield client
    # Not User.delete(): its cascade would look for the tenant apps' tables.
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "DELETE FROM otp_totp_totpdevice WHERE user_id IN "
            "(SELECT id FROM users WHERE email = %s)",
            [email],
        )
        cursor.execute("DELETE FROM tenant_audit_log WHERE admin_email = %s", [email])
        cursor.execute("DELETE FROM users WHERE email = %s", [email])


# --- enforcement ----------------------------------------------------------------------------


def test_a_plan_without_stock_makes_its_api_and_pages_404_until_the_plan_includes_it(
    committed_plans: list[str], make_tenant: Callable[..., object]
) -> None:
    code = f"nostock-{uuid.uuid4().hex[:6]}"
    committed_plans.append(code)
    plan = plan_create(values=values(code, modules=tuple(m for m in ALL_MODULES if m != "@stock")))
    tenant = make_tenant()
    assert isinstance(tenant, TenantInfo) and tenant.plan_modules is None  # no plan: all
    api = client_for(tenant, "admin")
    panel = panel_client(tenant, "admin")
    for url in STOCK_URLS:
        assert api.get(url).status_code == 200, url
    for url in STOCK_PAGES:
        assert panel.get(url).status_code == 200, url
    assert 'href="/stock/"' in html(panel.get("/"))  # the menu's entry

    tenant_plan_change(slug=tenant.slug, plan_code=code, actor="test")

    # The very next requests (the same process had the tenant cached) see the plan.
    info = registry.get(tenant.slug)
    assert info is not None and "@stock" not in (info.plan_modules or {"@stock"})
    for url in STOCK_URLS:
        assert api.get(url).status_code == 404, url
    for url in STOCK_PAGES:
        assert panel.get(url).status_code == 404, url
    assert 'href="/stock/"' not in html(panel.get("/"))
    # Other modules go on answering.
    assert api.get("/api/v1/customers/").status_code == 200
    # The switch itself is still on: the plan, not the tenant, withholds the module.
    with tenant_context(tenant.slug):
        assert TenantModule.objects.get(module_code="@stock").is_enabled

    # The settings page says so and refuses to switch it on.
    page = html(panel.get("/settings/modules/"))
    assert "Not in your plan" in page
    with tenant_context(tenant.slug):
        TenantModule.objects.filter(module_code="@stock").update(is_enabled=False)
    refused = panel.post("/settings/modules/@stock/", {"enabled": "1"}, follow=True)
    assert "Stock is not in your plan" in html(refused)
    with tenant_context(tenant.slug):
        assert not TenantModule.objects.get(module_code="@stock").is_enabled
    # The settings API says the same, as a 400 in words.
    response = api.patch("/api/v1/settings/modules/@stock/", {"is_enabled": True}, format="json")
    assert response.status_code == 400, response.content
    assert "not in your plan" in response.content.decode()

    # Editing the plan to include stock gives it back (the plan edit publishes its tenants).
    plan_update(plan=plan, values=values(code, modules=tuple(ALL_MODULES)))
    assert api.get(STOCK_URLS[0]).status_code == 404  # still switched off by the tenant
    assert panel.post("/settings/modules/@stock/", {"enabled": "1"}).status_code == 302
    for url in STOCK_URLS:
        assert api.get(url).status_code == 200, url
    for url in STOCK_PAGES:
        assert panel.get(url).status_code == 200, url


# --- a tenant's plan change -----------------------------------------------------------------


def small_plan(code: str = "", **changes: object) -> Plan:
    return plan_create(values=values(code or f"tiny-{uuid.uuid4().hex[:6]}", **changes))


@in_transaction
def test_a_plan_change_below_the_tenants_usage_is_refused_with_the_numbers() -> None:
    tiny = small_plan(name="Tiny", max_users=1)
    with tenant_context("tenant-a"):
        user_create(email="second@tenant-a.example.com", name="Second", password=TEST_PASSWORD,
                    role=Role.EMPLOYEE)  # fmt: skip
        users = User.objects.filter(is_active=True).count()
    assert users >= 2
    admin = platform_admin_client("plans-refused@platform.example.com")
    before = Tenant.objects.get(slug="tenant-a").plan
    response = admin.post("/tenants/tenant-a/plan/", {"plan": tiny.code})
    assert response.status_code == 400
    page = html(response)
    assert f"Company A has {users} active users; Tiny allows 1." in page
    row = Tenant.objects.get(slug="tenant-a")
    assert row.plan == before
    assert not TenantAuditLog.objects.filter(tenant=row, action="tenant.plan_changed").exists()
    # The customers limit is checked the same way; both problems are listed together.
    with tenant_context("tenant-a"):
        for n in (1, 2):
            Customer.objects.create(name=f"Limit {n}", phone=f"+4860000000{n}")
        customers = Customer.objects.count()
    few = small_plan(name="Few", max_users=1, max_customers=1)
    refused = html(admin.post("/tenants/tenant-a/plan/", {"plan": few.code}))
    assert f"Company A has {users} active users; Few allows 1." in refused
    assert f"Company A has {customers} customers; Few allows 1." in refused


@in_transaction
def test_a_plan_change_within_the_limits_starts_a_plan_period_today_and_is_audited() -> None:
    roomy = small_plan(name="Roomy", max_users=50, max_customers=5000)
    other = small_plan(name="Other")
    admin = platform_admin_client("plans-change@platform.example.com")
    page = admin.get("/tenants/tenant-a/plan/")
    assert page.status_code == 200 and "Roomy" in html(page)

    response = admin.post("/tenants/tenant-a/plan/", {"plan": roomy.code})
    assert response.status_code == 302
    row = Tenant.objects.select_related("plan").get(slug="tenant-a")
    assert row.plan == roomy
    period = TenantPlanPeriod.objects.get(tenant=row, starts_on=platform_today())
    assert period.plan == roomy
    entry = TenantAuditLog.objects.get(tenant=row, action="tenant.plan_changed")
    assert entry.details["from"] == "business" and entry.details["to"] == roomy.code
    assert entry.admin_email == "plans-change@platform.example.com"
    assert entry.ip == "127.0.0.1"

    # A second change the same day replaces that day's plan (billing prorates by days).
    assert admin.post("/tenants/tenant-a/plan/", {"plan": other.code}).status_code == 302
    today = TenantPlanPeriod.objects.filter(tenant=row, starts_on=platform_today())
    assert [p.plan_id for p in today] == [other.pk]
    # The same plan again is refused in words, not a 500.
    again = admin.post("/tenants/tenant-a/plan/", {"plan": other.code})
    assert again.status_code == 400 and "is already on Other" in html(again)
    # An unknown plan is a field error too.
    unknown = admin.post("/tenants/tenant-a/plan/", {"plan": "nope"})
    assert unknown.status_code == 400


@in_transaction
def test_tenant_create_with_a_plan_starts_its_first_plan_period() -> None:
    row = Tenant.objects.get(slug="tenant-b")  # made by tenant_create with plan business
    periods = list(TenantPlanPeriod.objects.filter(tenant=row))
    assert [p.plan.code for p in periods] == ["business"]
    assert periods[0].starts_on == platform_today()


# --- plan pages -----------------------------------------------------------------------------


def form_data(**changes: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "name": "Solo", "code": "solo", "price_monthly": "49.00", "price_yearly": "490.00",
        "currency": "PLN", "max_users": "1", "max_customers": "", "is_active": "on",
        "modules": ["@customers", "@products", "@orders", "@portal"],
    }  # fmt: skip
    data.update(changes)
    return data


def field_errors(response: object, field: str) -> str:
    form = response.context["form"]  # type: ignore[attr-defined]
    return " ".join(form.errors.get(field, []))


@in_transaction
def test_the_plans_list_shows_prices_limits_modules_and_tenants() -> None:
    admin = platform_admin_client("plans-list@platform.example.com")
    response = admin.get("/plans/")
    assert response.status_code == 200
    page = html(response)
    for name in ("Starter", "Business", "Enterprise"):
        assert name in page
    assert "unlimited" in page  # enterprise
    assert "PLN\xa0249.00" in page
    rows = {row.plan.code: row for row in response.context["rows"]}
    assert rows["business"].tenants >= 2  # tenant-a and tenant-b
    assert "@ai" not in [m.code for m in rows["business"].modules]
    # Polish formatting in Polish.
    admin.post("/i18n/setlang/", {"language": "pl", "next": "/plans/"})
    polish = html(admin.get("/plans/"))
    assert "249,00\xa0zł" in polish
    assert "2490,00\xa0zł" in polish or "2\xa0490,00\xa0zł" in polish


@in_transaction
def test_creating_a_plan_checks_every_field_and_audits_it() -> None:
    admin = platform_admin_client("plans-create@platform.example.com")
    assert admin.get("/plans/new/").status_code == 200

    negative = admin.post("/plans/new/", form_data(price_monthly="-1"))
    assert negative.status_code == 400
    assert "cannot be negative" in field_errors(negative, "price_monthly")
    no_yearly = admin.post("/plans/new/", form_data(price_yearly=""))
    assert no_yearly.status_code == 400 and field_errors(no_yearly, "price_yearly")
    taken = admin.post("/plans/new/", form_data(code="business"))
    assert "is taken" in field_errors(taken, "code")
    bad_code = admin.post("/plans/new/", form_data(code="Solo Plan"))
    assert "lower-case" in field_errors(bad_code, "code")
    no_core = admin.post("/plans/new/", form_data(modules=["@customers", "@stock"]))
    assert "core modules" in field_errors(no_core, "modules")
    assert "@products" in field_errors(no_core, "modules")
    zero = admin.post("/plans/new/", form_data(max_users="0"))
    assert "1 or more" in field_errors(zero, "max_users")
    assert not Plan.objects.filter(code="solo").exists()

    created = admin.post("/plans/new/", form_data())
    assert created.status_code == 302
    plan = Plan.objects.get(code="solo")
    assert plan.max_users == 1 and plan.max_customers is None
    assert sorted(plan.features["modules"]) == ["@customers", "@orders", "@portal", "@products"]
    entry = TenantAuditLog.objects.get(action="plan.created", details__plan="solo")
    assert entry.admin_email == "plans-create@platform.example.com"

    edit = admin.get("/plans/solo/edit/")
    assert edit.status_code == 200
    saved = admin.post(
        "/plans/solo/edit/", form_data(price_monthly="59.00", modules=[*ALL_MODULES])
    )
    assert saved.status_code == 302
    plan.refresh_from_db()
    assert plan.price_monthly == Decimal("59.00")
    assert sorted(plan.features["modules"]) == sorted(ALL_MODULES)
    updated = TenantAuditLog.objects.get(action="plan.updated", details__plan="solo")
    assert updated.details["price_monthly"] == {"from": "49.00", "to": "59.00"}
    assert "modules" in updated.details
    # The edit form re-renders with errors too; an unknown plan is a 404.
    wrong = admin.post("/plans/solo/edit/", form_data(price_yearly="-5"))
    assert wrong.status_code == 400 and "cannot be negative" in field_errors(wrong, "price_yearly")
    assert admin.get("/plans/nope/edit/").status_code == 404


@in_transaction
def test_the_module_registry_page_lists_templates_defaults_and_plans() -> None:
    admin = platform_admin_client("plans-modules@platform.example.com")
    response = admin.get("/modules/")
    assert response.status_code == 200
    rows = {row.module.code: row for row in response.context["rows"]}
    stock = rows["@stock"]
    assert stock.templates == ["Production", "Trade"]
    assert stock.default_templates == ["Production", "Trade"]
    assert [p.code for p in rows["@ai"].plans] == ["enterprise"]
    assert {"starter", "business", "enterprise"} <= {p.code for p in rows["@orders"].plans}
    assert "@reports" in html(response)


# --- isolation ------------------------------------------------------------------------------


@in_transaction
def test_a_tenants_staff_session_and_token_never_reach_the_plans_pages() -> None:
    staff = Client(HTTP_HOST=TENANT_A_HOST)
    login = staff.post("/login/", {"username": TENANT_A_ADMIN, "password": TEST_PASSWORD})
    assert login.status_code == 302
    stolen = Client(HTTP_HOST=HOST)
    stolen.cookies["sessionid"] = staff.cookies["sessionid"].value
    access = tokens()["access"]
    bearer = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {access}")
    paths = ["/plans/", "/plans/new/", "/plans/business/edit/", "/modules/",
             "/tenants/tenant-a/plan/"]  # fmt: skip
    for client in (stolen, bearer):
        for path in paths:
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith("/login/"), path
        response = client.post("/tenants/tenant-a/plan/", {"plan": "starter"})
        assert response.status_code in (302, 403)
    assert Tenant.objects.get(slug="tenant-a").plan.code == "business"  # type: ignore[union-attr]
    # And the tenant's own host has no such pages.
    assert staff.get("/plans/").status_code == 404


@in_transaction
def test_a_limit_beyond_the_databases_integer_is_an_error_on_the_field() -> None:
    admin = platform_admin_client("plans-huge@platform.example.com")
    for field in ("max_users", "max_customers"):
        huge = admin.post("/plans/new/", form_data(**{field: "99999999999"}))
        assert huge.status_code == 400
        assert "less than or equal to 2147483647" in field_errors(huge, field)
    assert not Plan.objects.filter(code="solo").exists()
