"""The large size: the bulk modules in order, in the seed's transaction.

seeding/bulk.py explains how rows are made; this runs them: the warehouses and the demo's
triggers through the services, then customers and products (cleaned by the apps'
`inputs.py`), documents (bulk_documents), stock (bulk_stock), events, timeline and inbox
(bulk_events), and finally the number series' counters.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from psycopg.types.json import Jsonb

from dockpulse.events.delivery import drain
from dockpulse.events.models import EventLog
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.models import Customer, TimelineEntry
from tenant_apps.notifications.models import Notification
from tenant_apps.products.inputs import product_input
from tenant_apps.products.models import Product
from tenant_apps.sales.models import DocumentCounter

from . import bulk_documents, bulk_events, bulk_stock
from .backdate import execute, retime
from .bulk import SECOND, Bulk, copy_rows
from .catalogue import ProductSpec
from .identities import CustomerSpec
from .plans import Story
from .setup import Staff, demo_triggers, warehouses


class BulkWriter:
    def __init__(self, story: Story, customers: list[CustomerSpec], products: list[ProductSpec],
                 *, staff: Staff, rng: random.Random, log: Callable[[str], None],
                 movements: int) -> None:  # fmt: skip
        self.args = (story, customers, products)
        self.options: dict[str, Any] = {"staff": staff, "rng": rng, "log": log,
                                        "movements": movements}  # fmt: skip
        self.heavy_customer: dict[str, str] | None = None

    def run(self) -> dict[str, int]:
        story, staff = self.args[0], self.options["staff"]
        mark = timezone.now()
        demo_triggers(staff.actor(0))
        stores = warehouses(staff.actor(0))
        setup = story.start - dt.timedelta(days=1)
        made = EventLog.objects.filter(created_at__gte=mark).order_by("created_at")
        pks = made.values_list("pk", flat=True)
        retime(EventLog._meta.db_table, [("created_at", "timestamptz")],
               ((pk, setup + n * SECOND) for n, pk in enumerate(pks)))  # fmt: skip
        while drain().events:
            pass
        # The drain left constraints immediate (SET CONSTRAINTS lasts until the transaction
        # ends); copied rows refer to rows copied after them, so check at commit.
        execute("SET CONSTRAINTS ALL DEFERRED")
        bulk = Bulk(*self.args, **self.options)
        _customers(bulk)
        _products(bulk)
        bulk_documents.write_orders(bulk)
        bulk_documents.write_quotes(bulk)
        if stores:
            bulk_stock.write_stock(bulk, main=stores[0], second=stores[-1])
        bulk_events.write_events(bulk)
        bulk_events.write_timeline(bulk)
        _counters(bulk)
        heavy = sum(1 for o in story.orders if o.customer == 0)
        spec = bulk.customer_specs[0]
        name = spec.company_name or spec.name
        self.heavy_customer = {"id": str(bulk.customer_ids[0]), "name": name, "orders": str(heavy)}
        return {
            "customers": len(bulk.customer_ids),
            "products": len(bulk.product_ids),
            "orders": len(bulk.order_ids),
            **bulk.counts,
            "timeline entries": TimelineEntry.objects.count(),
            "notifications": Notification.objects.count(),
        }


def _customers(bulk: Bulk) -> None:
    columns = ("id name company_name phone email nip address_street address_postal_code"
               " address_city address_country notes tags portal_password is_portal_active"
               " portal_first_login metadata created_at updated_at")  # fmt: skip
    blank = {"company_name": "", "email": "", "nip": "", "notes": "", "tags": [],
             # No password was sent to anyone, so no portal access (customers/portal_access.py).
             "is_portal_active": False, "address_street": "", "address_postal_code": "",
             "address_city": "", "address_country": "PL"}  # fmt: skip
    with copy_rows(Customer, columns) as write:
        for pk, spec, at in zip(bulk.customer_ids, bulk.customer_specs,
                                bulk.story.customers_created, strict=True):  # fmt: skip
            v = {**blank, **customer_input(spec.given()).columns()}
            bulk.customer_rows.append(v)
            write((pk, v["name"], v["company_name"], v["phone"], v["email"], v["nip"],
                   v["address_street"], v["address_postal_code"], v["address_city"],
                   v["address_country"], v["notes"], v["tags"], "", v["is_portal_active"], True,
                   Jsonb({}), at, at))  # fmt: skip
    bulk.done(f"{len(bulk.customer_ids)} customers")


def _products(bulk: Bulk) -> None:
    columns = ("id code name description category price unit vat_rate is_active metadata"
               " created_at updated_at")  # fmt: skip
    with copy_rows(Product, columns) as write:
        for pk, spec, at in zip(bulk.product_ids, bulk.product_specs,
                                bulk.story.products_created, strict=True):  # fmt: skip
            v = {"description": "", "category": "", "unit": "szt", "vat_rate": "23",
                 **product_input(spec.given()).given()}  # fmt: skip
            # A few articles are no longer sold (their old orders keep them).
            active = bulk.rng.random() >= 0.03
            write((pk, v["code"], v["name"], v["description"], v["category"], v["price"],
                   v["unit"], v["vat_rate"], active, Jsonb({}), at, at))  # fmt: skip
    bulk.done(f"{len(bulk.product_ids)} products")


def _counters(bulk: Bulk) -> None:
    """The number series continue after the last copied number."""
    table = DocumentCounter._meta.db_table
    for document_type, scopes in bulk.scopes.items():
        for scope, value in scopes.items():
            execute(
                f"INSERT INTO {table} (id, document_type, scope, last_value)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (document_type, scope) DO UPDATE"
                f" SET last_value = GREATEST(EXCLUDED.last_value, {table}.last_value)",
                [bulk.new_id(), document_type, scope, value],
            )
