"""The large size, written with COPY (psycopg) in the seed's one transaction.

20,000 customers, 5,000 products, 100,000 orders with ~300,000 lines and ~1,000,000 stock
movements cannot go through the services one by one in minutes. So the rows of the same
story (seeding/story.py) are computed as the services compute them and copied in:

- customers and products are cleaned by the apps' `inputs.py` (the API's cleaning), so the
  stored values are the ones a service would store;
- documents, their lines, totals, numbers and history: seeding/bulk_documents.py;
- the stock ledger, replayed with the services' rules: seeding/bulk_stock.py;
- the events the services would have sent, the customers' timeline and the inbox:
  seeding/bulk_events.py.

seeding/large.py runs them in order. Rows refer to rows copied after them, so the
transaction checks foreign keys at its commit.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections

from dockpulse.actors import Actor
from dockpulse.tenancy import current_db_alias, get_current_tenant
from tenant_apps.sales.models import DocumentCounter, DocumentType, Order, Source
from tenant_apps.sales.services.lines import Amounts, line_amounts
from tenant_apps.sales.services.numbering import format_number, pattern_for

from .catalogue import ProductSpec
from .identities import CustomerSpec
from .plans import OrderPlan, QuotePlan, Story
from .setup import Staff

S = Order.Status
SECOND = dt.timedelta(seconds=1)


@contextmanager
def copy_rows(model: Any, columns: str) -> Iterator[Callable[[Sequence[Any]], None]]:
    """COPY `model`'s table (the space-separated `columns`) FROM STDIN, on the tenant's
    connection inside the seed's transaction; yields the function that writes one row."""
    names = ", ".join(columns.split())
    with connections[current_db_alias()].cursor() as cursor:
        raw: Any = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
            yield copy.write_row


class Line:
    """One line of a document with its amounts, as sales.services.lines stores it."""

    __slots__ = ("amounts", "description", "discount", "product", "quantity", "unit",
                 "unit_price", "vat_rate")  # fmt: skip

    def __init__(self, product: int | None, description: str, quantity: Decimal, unit: str,
                 unit_price: Decimal, discount: Decimal, vat_rate: str) -> None:  # fmt: skip
        self.product, self.description, self.quantity = product, description, quantity
        self.unit, self.unit_price, self.discount, self.vat_rate = (
            unit, unit_price, discount, vat_rate
        )  # fmt: skip
        self.amounts: Amounts = line_amounts(
            quantity=quantity, unit_price=unit_price, discount=discount, vat_rate=vat_rate
        )


def who(actor: Actor) -> tuple[uuid.UUID | None, str, str]:
    """(actor id, actor type, name) as history rows and the ledger record them."""
    return actor.id, actor.kind, "" if actor.is_system else actor.label


class Bulk:
    """The story with the ids, numbers and cleaned values every bulk module shares."""

    def __init__(self, story: Story, customers: list[CustomerSpec], products: list[ProductSpec],
                 *, staff: Staff, rng: random.Random, log: Callable[[str], None],
                 movements: int) -> None:  # fmt: skip
        self.story, self.customer_specs, self.product_specs = story, customers, products
        self.staff, self.rng, self.log, self.movements = staff, rng, log, movements
        tenant = get_current_tenant()
        self.zone = ZoneInfo(tenant.time_zone)
        self.tenant = tenant
        self.scopes: dict[str, dict[str, int]] = {}  # the counters' last values, per type
        self.customer_ids = [self.new_id() for _ in customers]
        self.product_ids = [self.new_id() for _ in products]
        self.order_ids = [self.new_id() for _ in story.orders]
        self.quote_ids = [self.new_id() for _ in story.quotes]
        self.order_numbers = self._numbers(DocumentType.ORDER, [o.created_at for o in story.orders])
        self.quote_numbers = self._numbers(DocumentType.QUOTE, [q.created_at for q in story.quotes])
        self.line_ids: list[list[uuid.UUID]] = [[] for _ in story.orders]
        self.customer_rows: list[dict[str, Any]] = []
        self.order_totals: list[tuple[Decimal, Decimal, Decimal]] = []
        self.quote_totals: list[tuple[Decimal, Decimal, Decimal]] = []
        # Who accepted each accepted quote: its handler, or the customer on the portal.
        self.acceptor: dict[int, Actor] = {}
        self.counts: dict[str, int] = {}
        self._clock = time.monotonic()

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def done(self, what: str) -> None:
        now = time.monotonic()
        self.log(f"  {what} ({now - self._clock:.1f} s)")
        self._clock = now

    def _numbers(self, document_type: str, moments: list[dt.datetime]) -> list[str]:
        """Numbers as the counter gives them: per scope of the pattern, in creation order."""
        pattern = pattern_for(document_type)
        last = dict(
            DocumentCounter.objects.filter(document_type=document_type).values_list(
                "scope", "last_value"
            )
        )
        numbers = []
        for at in moments:
            local = at.astimezone(self.zone)
            scope = format_number(pattern, today=local, value=None)
            last[scope] = last.get(scope, 0) + 1
            numbers.append(format_number(pattern, today=local, value=last[scope]))
        self.scopes[document_type] = last
        return numbers

    # --- what several modules ask --------------------------------------------------------

    def lines(self, plan: OrderPlan | QuotePlan) -> list[Line]:
        lines = []
        for line in plan.lines:
            if line.product is None:
                assert line.unit_price is not None
                lines.append(Line(None, line.description, line.quantity, "szt",
                                  line.unit_price, line.discount, "23"))  # fmt: skip
            else:
                spec = self.product_specs[line.product]
                lines.append(Line(line.product, spec.name, line.quantity, spec.unit,
                                  spec.price, line.discount, spec.vat_rate))  # fmt: skip
        return lines

    def customer_actor(self, index: int) -> Actor:
        return Actor("customer", id=self.customer_ids[index],
                     label=self.customer_rows[index]["name"])  # fmt: skip

    def creator(self, plan: OrderPlan) -> Actor:
        """Who made the order: whoever accepted its quote, the customer, or its handler."""
        if plan.quote is not None:
            return self.acceptor[plan.quote]
        if plan.portal:
            return self.customer_actor(plan.customer)
        return self.staff.actor(plan.handler)

    def source(self, plan: OrderPlan) -> str:
        return Source.PORTAL if self.creator(plan).is_customer else Source.ADMIN

    def movers(self, plan: OrderPlan) -> list[Actor]:
        """Who made each of the order's moves (as the services' TRANSITIONS allow)."""
        customer = self.customer_actor(plan.customer) if plan.portal else None
        previous: str = S.NEW
        actors = []
        for status, _at in plan.steps:
            actors.append(self.staff.mover(plan.handler, to=status, previous=previous,
                                           customer=customer))  # fmt: skip
            previous = status
        return actors
