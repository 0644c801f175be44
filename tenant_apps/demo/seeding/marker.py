"""Whether a tenant holds demo data already: the marker event, and the emptiness check.

The marker is an `entity.created` event of entity type `demo_data`, written in the seed's
own transaction (the event log is the tenant's audit trail, so "demo data was added, this
much, at this time" belongs there, and it commits or rolls back with the data). A second
run finds it and changes nothing. A tenant with customers, products, orders or quotes but
no marker is refused: demo rows are never mixed into real ones.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

from dockpulse import events
from dockpulse.actors import system_actor
from dockpulse.events.models import EventLog
from dockpulse.tenancy import current_db_alias
from tenant_apps.customers.models import Customer
from tenant_apps.products.models import Product
from tenant_apps.sales.models import Order, Quote

ENTITY_TYPE = "demo_data"
SOURCE = "demo"
# pg_advisory_xact_lock key: two seeds of one tenant at once queue, the second finds the marker.
_SEED_LOCK = 0x4445_4D4F  # "DEMO"


def lock() -> None:
    """Inside the seed's transaction: wait for any other seed of this tenant to finish."""
    with connections[current_db_alias()].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEED_LOCK])


def existing() -> EventLog | None:
    return (
        EventLog.objects.filter(
            event_type="entity.created", source_module=SOURCE, entity_type=ENTITY_TYPE
        )
        .order_by("created_at")
        .first()
    )


def data_present() -> dict[str, int]:
    """The tenant's own rows that demo data must not be mixed with (only those present)."""
    counts = {
        "customers": Customer.objects.count(),
        "products": Product.objects.count(),
        "orders": Order.objects.count(),
        "quotes": Quote.objects.count(),
    }
    return {name: count for name, count in counts.items() if count}


def record(payload: dict[str, Any]) -> EventLog:
    return events.emit(
        event_type="entity.created",
        source_module=SOURCE,
        entity_type=ENTITY_TYPE,
        payload=payload,
        actor=system_actor("seed_demo"),
    )
