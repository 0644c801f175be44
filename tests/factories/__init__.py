"""Model factories (factory-boy) for every model of the product, by app.

Tenant models are written to the current tenant's database by the router, so create them
inside `tenant_context(tenant)` (outside one the router refuses: fail closed); platform
models always go to the platform database. Most factories write the row directly. Those
whose invariants live in a service create through it: orders and quotes (numbering,
totals from their lines, history, events) and stock movements (the ledger and the level
move together). Rows that only a service or a handler writes have no factory: order
status changes (`support.move`), stock reservations (`support.handle`), document counters.
docs/testing.md has the table.
"""

from tests.factories.accounts import UserFactory
from tests.factories.configuration import FieldConfigFactory, TenantModuleFactory
from tests.factories.customers import CustomerFactory, TimelineEntryFactory
from tests.factories.events import EventDeliveryFactory, EventLogFactory
from tests.factories.notifications import (
    NotificationDeliveryFactory,
    NotificationFactory,
    WorkflowTriggerFactory,
)
from tests.factories.platform import (
    BillingRecordFactory,
    ModuleRegistryFactory,
    PlanFactory,
    TenantAuditLogFactory,
    TenantFactory,
)
from tests.factories.products import ProductFactory
from tests.factories.sales import (
    LineFactory,
    NumberSeriesFactory,
    OrderFactory,
    ProductLineFactory,
    QuoteFactory,
)
from tests.factories.stock import StockLevelFactory, StockMovementFactory, WarehouseFactory

__all__ = [
    "BillingRecordFactory",
    "CustomerFactory",
    "EventDeliveryFactory",
    "EventLogFactory",
    "FieldConfigFactory",
    "LineFactory",
    "ModuleRegistryFactory",
    "NotificationDeliveryFactory",
    "NotificationFactory",
    "NumberSeriesFactory",
    "OrderFactory",
    "PlanFactory",
    "ProductFactory",
    "ProductLineFactory",
    "QuoteFactory",
    "StockLevelFactory",
    "StockMovementFactory",
    "TenantAuditLogFactory",
    "TenantFactory",
    "TenantModuleFactory",
    "TimelineEntryFactory",
    "UserFactory",
    "WarehouseFactory",
    "WorkflowTriggerFactory",
]
