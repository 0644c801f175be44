"""Platform rows (always the platform database, whatever the context)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from dockpulse.tenancy import dbadmin
from platform_app.models import BillingRecord, ModuleRegistry, Plan, Tenant, TenantAuditLog


class PlanFactory(DjangoModelFactory[Plan]):
    class Meta:
        model = Plan

    code = factory.Sequence(lambda n: f"test-plan-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())
    price_monthly = Decimal("99.00")
    price_yearly = Decimal("990.00")
    features = factory.LazyFunction(dict)


class TenantFactory(DjangoModelFactory[Tenant]):
    """A tenant's platform row only: no database, no registry entry, no admin user.

    For platform-side tests (lists, plans, billing, the audit trail). Left `provisioning`,
    the state of a row whose database is not ready, so host routing and the per-tenant
    fan-outs pass it by. A tenant that serves requests comes from the `make_tenant`
    fixture (provisioned from the template, committed, destroyed afterwards).
    """

    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"row-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Company {o.slug}")
    template = "trade"
    plan = factory.SubFactory(PlanFactory)
    status = Tenant.Status.PROVISIONING
    db_name = factory.LazyAttribute(lambda o: dbadmin.tenant_db_name(o.slug))
    language = "en"


class ModuleRegistryFactory(DjangoModelFactory[ModuleRegistry]):
    class Meta:
        model = ModuleRegistry

    code = factory.Sequence(lambda n: f"@test-module-{n}")
    name = factory.LazyAttribute(lambda o: o.code.removeprefix("@").replace("-", " ").title())
    templates = factory.LazyFunction(lambda: ["services", "production", "trade"])
    default_templates = factory.LazyFunction(list)


class BillingRecordFactory(DjangoModelFactory[BillingRecord]):
    """One month of the tenant's plan."""

    class Meta:
        model = BillingRecord

    tenant = factory.SubFactory(TenantFactory)
    tenant_slug = factory.SelfAttribute("tenant.slug")
    plan = factory.LazyAttribute(lambda o: o.tenant.plan or PlanFactory.create())
    amount = factory.LazyAttribute(lambda o: o.plan.price_monthly)
    currency = "PLN"
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 1, 31)


class TenantAuditLogFactory(DjangoModelFactory[TenantAuditLog]):
    class Meta:
        model = TenantAuditLog

    tenant = factory.SubFactory(TenantFactory)
    tenant_slug = factory.SelfAttribute("tenant.slug")
    action = "created"
    actor = "tests"
    details = factory.LazyFunction(dict)
