"""The factories write where they must: tenant rows to the current tenant's database only,
platform rows to the platform's; those that go through a service keep its invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connections

from dockpulse.events.models import EventLog
from dockpulse.tenancy import NoTenantContext, platform_context, tenant_context
from platform_app.models import Tenant
from tenant_apps.accounts.models import User
from tenant_apps.configuration.models import TenantModule
from tenant_apps.customers.models import Customer
from tenant_apps.sales.models import OrderStatusChange
from tests import factories as f
from tests.support import TEST_PASSWORD, browser_login, host_of, level_of

pytestmark = pytest.mark.django_db(databases="__all__")


def test_tenant_rows_go_to_the_current_tenant_only(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        customer = f.CustomerFactory.create()
        f.NotificationFactory.create(for_customer=True)
        f.TimelineEntryFactory.create(customer=customer)
        f.NotificationDeliveryFactory.create()
        f.EventDeliveryFactory.create()
        f.WarehouseFactory.create()
        f.StockLevelFactory.create()
        assert customer._state.db == tenant_a.alias
        assert customer.timeline.count() == 1
    with tenant_context(tenant_b):
        assert not Customer.objects.filter(pk=customer.pk).exists()
    with pytest.raises(NoTenantContext):
        f.CustomerFactory.create()


def test_a_staff_user_signs_in_and_a_platform_user_stays_on_the_platform(tenant_a):
    with tenant_context(tenant_a):
        admin = f.UserFactory.create(role="admin")
        assert admin.is_staff and admin.is_superuser
        assert not f.UserFactory.create().is_staff
    browser_login(admin.email, TEST_PASSWORD, host_of(tenant_a))
    with platform_context():
        clerk = f.UserFactory.create()
        assert clerk._state.db == "default"
    with tenant_context(tenant_a):
        assert not User.objects.filter(email=clerk.email).exists()


def test_platform_rows_need_no_context_and_make_no_database():
    tenant = f.TenantFactory.create()
    f.BillingRecordFactory.create(tenant=tenant)
    f.TenantAuditLogFactory.create(tenant=tenant)
    f.ModuleRegistryFactory.create()
    assert tenant._state.db == "default" and tenant.status == Tenant.Status.PROVISIONING
    assert tenant.plan is not None
    assert tenant.billing_records.get().amount == tenant.plan.price_monthly
    assert not any(c.settings_dict["NAME"] == tenant.db_name for c in connections.all())


def test_configuration_factories_set_the_seeded_rows(tenant_a):
    with tenant_context(tenant_a):
        count = TenantModule.objects.count()
        f.TenantModuleFactory.create(module_code="@stock", is_enabled=False)
        assert TenantModule.objects.count() == count
        assert not TenantModule.objects.get(module_code="@stock").is_enabled
        config = f.FieldConfigFactory.create(field_name="nip", is_required=True)
        assert f.FieldConfigFactory.create(field_name="nip").pk == config.pk


def test_orders_and_quotes_are_numbered_and_totalled_by_the_services(tenant_a):
    with tenant_context(tenant_a):
        product = f.ProductFactory.create(price=Decimal("19.99"))
        order = f.OrderFactory.create(lines=[f.ProductLineFactory.create(of=product, quantity="3")])
        assert order.number and order.total_net == Decimal("59.97")
        assert OrderStatusChange.objects.filter(order=order, to_status="new").exists()
        assert EventLog.objects.filter(entity_id=order.id, event_type="order.created").exists()
        quote = f.QuoteFactory.create(lines=[f.LineFactory.create(unit_price="5.00", quantity="2")])
        assert quote.number != order.number and quote.total_net == Decimal("10.00")
        assert f.OrderFactory.create().number != order.number
        with pytest.raises(TypeError):
            f.OrderFactory.build()


def test_stock_arrives_through_the_ledger(tenant_a):
    with tenant_context(tenant_a):
        product = f.ProductFactory.create()
        movement = f.StockMovementFactory.create(product=product, quantity="7")
        assert movement.on_hand_after == Decimal("7")
    assert level_of(tenant_a, product).on_hand == Decimal("7")
