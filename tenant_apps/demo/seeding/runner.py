"""`seed_demo()`: one tenant's demo data, all or nothing, once.

One transaction holds the whole seed: the marker check (seeding/marker.py), the data, the
dashboard's rebuilt aggregates and the marker itself. A failure leaves nothing behind; a
second run finds the marker and changes nothing; two runs at once queue on an advisory
lock, and the second finds the first one's marker.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.utils import timezone

from dockpulse.events.delivery import drain
from dockpulse.tenancy import current_db_alias, get_current_tenant, tenant_atomic
from tenant_apps.dashboard.services import daily_sales_rebuild

from . import marker
from .catalogue import products
from .errors import SeedError
from .identities import TAG_REGULAR, TAG_VIP, TAG_WHOLESALE, People
from .moments import Calendar
from .setup import Staff, outside_triggers_held
from .story import plan

DAYS = 90


@dataclass(frozen=True, slots=True)
class Size:
    customers: int
    products: int
    orders: int
    quotes: int
    lines_mean: float  # the average order has about this many lines
    heavy: int = 0  # orders of the one customer the benchmark opens (0: none made so)
    movements: int = 0  # the stock ledger's target size (bulk path only)

    def scaled(self, factor: float) -> Size:
        def part(value: int, least: int) -> int:
            return max(least, round(value * factor))

        return Size(
            customers=part(self.customers, 10),
            products=part(self.products, 40),
            orders=part(self.orders, 60),
            quotes=part(self.quotes, 15),
            lines_mean=self.lines_mean,
            heavy=min(self.heavy, part(self.heavy, 10)) if self.heavy else 0,
            movements=part(self.movements, 100),
        )


SIZES = {
    "small": Size(customers=50, products=40, orders=300, quotes=40, lines_mean=2.2),
    "large": Size(
        customers=20_000,
        products=5_000,
        orders=100_000,
        quotes=8_000,
        lines_mean=2.4,
        heavy=200,
        movements=1_000_000,
    ),
}


@dataclass
class SeedResult:
    size: str
    created: bool  # False: the tenant had this demo data already
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    heavy_customer: dict[str, str] | None = None


def seed_demo(
    *, size: str, scale: float = 1.0, log: Callable[[str], None] = lambda line: None
) -> SeedResult:
    """Fill the current tenant with demo data of `size` ("small" or "large")."""
    if size not in SIZES:
        raise SeedError(f"unknown size {size}; choose small or large")
    if scale != 1.0 and size != "large":
        raise SeedError("--scale applies to the large size only")
    if not 0 < scale <= 1:
        raise SeedError("--scale is a fraction of the large size, above 0 and at most 1")
    wanted = SIZES[size].scaled(scale) if scale != 1.0 else SIZES[size]
    tenant = get_current_tenant()
    started = time.monotonic()
    with tenant_atomic():
        marker.lock()
        found = marker.existing()
        if found is not None:
            done = str(found.payload.get("size", "?"))
            if done != size:
                raise SeedError(
                    f"tenant {tenant.slug} already holds the {done} demo data; "
                    f"seed the {size} one into another tenant"
                )
            return SeedResult(size=size, created=False, counts=found.payload.get("counts", {}))
        present = marker.data_present()
        if present:
            listed = ", ".join(f"{count} {name}" for name, count in present.items())
            raise SeedError(
                f"tenant {tenant.slug} has data of its own ({listed}); demo data goes into "
                "an empty tenant only"
            )
        limit = tenant.limit("max_customers")
        if limit is not None and wanted.customers > limit:
            raise SeedError(
                f"the {size} demo data has {wanted.customers} customers but tenant "
                f"{tenant.slug}'s plan allows {limit}; use a plan without that limit"
            )
        result = _seed(size, wanted, scale, log)
        # The dashboard's daily aggregates from the orders as they now stand (backdated).
        daily_sales_rebuild(since=None)
        result.seconds = round(time.monotonic() - started, 1)
        payload: dict[str, Any] = {"size": size, "counts": result.counts, "seconds": result.seconds}
        if scale != 1.0:
            payload["scale"] = scale
        if result.heavy_customer:
            payload["heavy_customer"] = result.heavy_customer
        marker.record(payload)
        # Handled here too, so nothing the seed wrote waits for the event bus.
        while drain().events:
            pass
    if size == "large":
        # A bulk load leaves the planner's statistics describing empty tables until
        # autovacuum comes round (a status filter estimated at 200 rows of 80,000 picks a
        # sort of all of them): gather them now, as an operator would after a load.
        with connections[current_db_alias()].cursor() as cursor:
            cursor.execute("ANALYZE")
    return result


def _seed(size: str, wanted: Size, scale: float, log: Callable[[str], None]) -> SeedResult:
    tenant = get_current_tenant()
    # The same tenant and size give the same people and products; the story follows today.
    rng = random.Random(f"{tenant.slug}:{size}:{scale}")  # noqa: S311 - demo data, not secrets
    now = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=1)
    calendar = Calendar(rng, now=now, zone=tenant.time_zone, days=DAYS)
    staff = Staff.load()
    people = People(rng)
    customer_specs = list(people.customers(wanted.customers))
    # A regular VIP wholesaler in every size, so each tag and filter has rows (and in
    # the large size it is the benchmark's customer with many orders).
    customer_specs[0] = people.customer(firm=True, tags=(TAG_REGULAR, TAG_VIP, TAG_WHOLESALE))
    product_specs = list(products(wanted.products, rng))
    log(f"planning {wanted.orders} orders and {wanted.quotes} quotes over {DAYS} days")
    story = plan(
        rng,
        calendar,
        customer_specs,
        product_specs,
        orders=wanted.orders,
        quotes=wanted.quotes,
        staff=len(staff.users),
        lines_mean=wanted.lines_mean,
        heavy=wanted.heavy,
    )
    result = SeedResult(size=size, created=True)
    with outside_triggers_held():
        if size == "small":
            from .through_services import ServicesWriter

            writer = ServicesWriter(
                story, customer_specs, product_specs, staff=staff, rng=rng, log=log
            )
            result.counts = writer.run()
        else:
            from .large import BulkWriter

            bulk = BulkWriter(
                story,
                customer_specs,
                product_specs,
                staff=staff,
                rng=rng,
                log=log,
                movements=wanted.movements,
            )
            result.counts = bulk.run()
            result.heavy_customer = bulk.heavy_customer
    return result
