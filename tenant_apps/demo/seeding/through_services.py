"""The small size, written through the real services and the real event bus.

Every customer, product, receipt, order, move and quote is made by its service (inputs
cleaned by the app's `inputs.py`, as the API's are), so document numbers come from the
gapless counter, totals from the lines, and every change sends its event. The events are
then handled in this process by the bus's own `drain()` (the function the Celery drain task
runs), in chunks of the story, so the customers' timelines, the stock reservations and
shipments, and the in-app notifications are made by their handlers.

Dates. The services stamp "now"; the story spans 90 days. After each chunk of the story is
written, and before its events are handled, its rows and events are moved back to their
planned moments (seeding/services_dates.py).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from dockpulse.actors import Actor, customer_actor
from dockpulse.events.models import EventLog
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.models import Customer, TimelineEntry
from tenant_apps.customers.services import customer_create
from tenant_apps.notifications.models import Notification
from tenant_apps.products.inputs import product_changes, product_input
from tenant_apps.products.models import Product
from tenant_apps.products.services import product_create, product_update
from tenant_apps.sales.documents.checksum import quote_checksum
from tenant_apps.sales.inputs import order_input, quote_input
from tenant_apps.sales.models import Order, OrderLine, Quote, Source
from tenant_apps.sales.services import (
    order_create,
    order_transition,
    quote_accept,
    quote_create,
    quote_reject,
    quote_send,
)
from tenant_apps.stock.models import StockLevel, StockMovement, Warehouse
from tenant_apps.stock.services import stock_enabled, stock_level_update, stock_receive

from .catalogue import ProductSpec
from .identities import CustomerSpec
from .plans import LinePlan, OrderPlan, Story
from .services_dates import Dating
from .setup import Staff, demo_triggers, warehouses

S, Q = Order.Status, Quote.Status
CHUNK = 120  # story acts written before their events are handled
QTY = Decimal("0.001")
_EVENT_TABLE = EventLog._meta.db_table
TS = "timestamptz"


@dataclass(order=True)
class Act:
    at: dt.datetime
    seq: int
    kind: str = field(compare=False)  # order | move | quote | send | accept | reject
    index: int = field(compare=False)  # the order's or quote's plan
    status: str = field(default="", compare=False)


def demand(story: Story, count: int) -> list[Decimal]:
    """What the story's orders that are not cancelled take of each product."""
    totals = [Decimal(0)] * count
    for order in story.orders:
        if order.status != S.CANCELLED:
            for line in order.lines:
                if line.product is not None:
                    totals[line.product] += line.quantity
    return totals


def receipt_quantity(wanted: Decimal, product: ProductSpec, rng: random.Random) -> Decimal:
    """A delivery of about `wanted` (a few products short on purpose: backorders, low stock)."""
    factor = rng.uniform(0.5, 0.9) if rng.random() < 0.15 else rng.uniform(1.1, 1.8)
    low = Decimal(product.quantity[1])
    value = (wanted * Decimal(str(round(factor, 3))) + low).quantize(QTY)
    if not product.fractional:
        value = value.to_integral_value(rounding=ROUND_CEILING).quantize(QTY)
    return max(value, Decimal(1).quantize(QTY))


class ServicesWriter(Dating):
    def __init__(
        self,
        story: Story,
        customers: list[CustomerSpec],
        products: list[ProductSpec],
        *,
        staff: Staff,
        rng: random.Random,
        log: Callable[[str], None],
    ) -> None:
        self.story, self.customer_specs, self.product_specs = story, customers, products
        self.staff, self.rng, self.log = staff, rng, log
        self.started = timezone.now()
        self.customers: list[Customer] = []
        self.products: list[Product] = []
        self.orders: dict[int, Order] = {}
        self.quotes: dict[int, Quote] = {}
        self.order_index: dict[uuid.UUID, int] = {}  # order id -> its plan's index

    # --- the run ----------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        admin = self.staff.actor(0)
        mark = timezone.now()
        demo_triggers(admin)
        stores = warehouses(admin)
        self._catalogue(admin)
        self._customers()
        if stores:
            self._stock(stores, admin)
        self._setup_times(mark)
        self._drain()
        acts = self._acts()
        for start in range(0, len(acts), CHUNK):
            chunk = acts[start : start + CHUNK]
            chunk_mark = timezone.now()
            for act in chunk:
                self._do(act)
            self._chunk_times(chunk_mark)
            self._drain()
        self._expire()
        self._retire_a_product(admin)
        self._inbox()
        return self._counts()

    # --- setup: catalogue, customers, stock -------------------------------------------

    def _catalogue(self, admin: Actor) -> None:
        for spec in self.product_specs:
            self.products.append(product_create(values=product_input(spec.given()), actor=admin))
        self.log(f"  {len(self.products)} products")

    def _customers(self) -> None:
        for index, spec in enumerate(self.customer_specs):
            values = customer_input(spec.given())
            self.customers.append(customer_create(values=values, actor=self.staff.actor(index)))
        self.log(f"  {len(self.customers)} customers")

    def _stock(self, stores: list[Warehouse], admin: Actor) -> None:
        main, second = stores[0], stores[-1]
        wanted = demand(self.story, len(self.products))
        year = self.story.start.year
        for index, (spec, product) in enumerate(
            zip(self.product_specs, self.products, strict=True)
        ):
            if not spec.stocked:
                continue
            quantity = receipt_quantity(wanted[index], spec, self.rng)
            reference = f"PZ/{index + 1:04d}/{year}"
            stock_receive(
                product=product,
                quantity=quantity,
                actor=admin,
                warehouse=main,
                reason="Dostawa od dostawcy",
                reference=reference,
            )
            if second.pk != main.pk and self.rng.random() < 0.4:
                stock_receive(
                    product=product,
                    quantity=(quantity / 3).quantize(QTY),
                    actor=admin,
                    warehouse=second,
                    reason="Dostawa od dostawcy",
                    reference=f"PZ/K{index + 1:04d}/{year}",
                )
            threshold = (wanted[index] * Decimal("0.25")).quantize(QTY)
            if threshold > 0:
                level = StockLevel.objects.get(product=product, warehouse=main)
                stock_level_update(level=level, low_stock_threshold=threshold, actor=admin)

    # --- the story's acts -------------------------------------------------------------

    def _acts(self) -> list[Act]:
        acts: list[Act] = []
        seq = iter(range(10**9))
        for index, order in enumerate(self.story.orders):
            if order.quote is None:
                acts.append(Act(order.created_at, next(seq), "order", index))
            for status, at in order.steps:
                acts.append(Act(at, next(seq), "move", index, status))
        for index, quote in enumerate(self.story.quotes):
            acts.append(Act(quote.created_at, next(seq), "quote", index))
            if quote.sent_at is not None:
                acts.append(Act(quote.sent_at, next(seq), "send", index))
            if quote.decided_at is not None:
                kind = "accept" if quote.status == Q.ACCEPTED else "reject"
                acts.append(Act(quote.decided_at, next(seq), kind, index))
        return sorted(acts)

    def _lines(self, lines: Iterable[LinePlan]) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = []
        for line in lines:
            if line.product is None:
                body.append(
                    {
                        "description": line.description,
                        "quantity": str(line.quantity),
                        "unit_price": str(line.unit_price),
                        "unit": "szt",
                    }
                )
            else:
                body.append(
                    {
                        "product": self.products[line.product].pk,
                        "quantity": str(line.quantity),
                        "discount": str(line.discount),
                    }
                )
        return body

    def _do(self, act: Act) -> None:
        if act.kind in ("order", "move"):
            plan = self.story.orders[act.index]
            if act.kind == "order":
                self._order(act.index, plan)
            else:
                self._move(act.index, plan, act.status)
            return
        quote_plan = self.story.quotes[act.index]
        actor = self.staff.actor(quote_plan.handler)
        if act.kind == "quote":
            body: dict[str, Any] = {
                "customer": self.customers[quote_plan.customer].pk,
                "lines": self._lines(quote_plan.lines),
                "notes": quote_plan.notes,
                "assigned_to": self.staff.user(quote_plan.handler).pk,
            }
            self.quotes[act.index] = quote_create(values=quote_input(body), actor=actor)
        elif act.kind == "send":
            # Demo customers get no e-mail (their addresses are example domains anyway).
            sent = quote_send(quote=self.quotes[act.index], actor=actor, email=False)
            self.quotes[act.index] = sent.quote
        elif act.kind == "reject":
            self.quotes[act.index] = quote_reject(
                quote=self.quotes[act.index], actor=actor, reason=quote_plan.reason
            )
        else:
            by_customer = self.rng.random() < 0.3
            customer = self.customers[quote_plan.customer]
            shown = self.quotes[act.index]
            if by_customer:
                self._portal_user(customer)
            quote = quote_accept(
                quote=shown,
                actor=customer_actor(customer) if by_customer else actor,
                source=Source.PORTAL if by_customer else Source.ADMIN,
                # What the portal's page would have shown them (and posts with the accept).
                checksum=quote_checksum(Quote.objects.get(pk=shown.pk)) if by_customer else "",
            )
            self.quotes[act.index] = quote
            assert quote.order is not None and quote_plan.order is not None
            self.orders[quote_plan.order] = quote.order
            self.order_index[quote.order.pk] = quote_plan.order

    @staticmethod
    def _portal_user(customer: Customer) -> None:
        """A customer who accepts in the portal has portal access. Their password is
        unusable (a demo customer signs in only once staff send them a new one), so the
        demo stores nobody's password and the panel shows "Send a new password"."""
        Customer.objects.filter(pk=customer.pk, is_portal_active=False).update(
            is_portal_active=True, portal_password=make_password(None)
        )

    def _order(self, index: int, plan: OrderPlan) -> None:
        customer = self.customers[plan.customer]
        body: dict[str, Any] = {
            "customer": customer.pk,
            "lines": self._lines(plan.lines),
            "notes": plan.notes,
        }
        if plan.delivery_date:
            body["delivery_date"] = plan.delivery_date
        if plan.portal:
            actor, source = customer_actor(customer), Source.PORTAL
        else:
            body["assigned_to"] = self.staff.user(plan.handler).pk
            actor, source = self.staff.actor(plan.handler), Source.ADMIN
        order = order_create(values=order_input(body), actor=actor, source=source)
        self.orders[index] = order
        self.order_index[order.pk] = index

    def _move(self, index: int, plan: OrderPlan, status: str) -> None:
        order = self.orders[index]
        customer = customer_actor(self.customers[plan.customer]) if plan.portal else None
        actor = self.staff.mover(plan.handler, to=status, previous=order.status, customer=customer)
        self.orders[index] = order_transition(
            order=order,
            to=status,
            actor=actor,
            note=plan.cancel_note if status == S.CANCELLED else "",
            tracking_number=plan.tracking if status == S.SHIPPED else "",
        )

    def _retire_a_product(self, admin: Actor) -> None:
        """One article no longer sold (the catalogue shows inactive products too)."""
        product = next((p for p in self.products if p.code == "USL-003"), None)
        if product is not None:
            product_update(
                product=product, changes=product_changes({"is_active": False}), actor=admin
            )

    def _counts(self) -> dict[str, int]:
        return {
            "customers": len(self.customers),
            "products": len(self.products),
            "orders": Order.objects.count(),
            "order lines": OrderLine.objects.count(),
            "quotes": Quote.objects.count(),
            "stock movements": StockMovement.objects.count() if stock_enabled() else 0,
            "timeline entries": TimelineEntry.objects.count(),
            "notifications": Notification.objects.count(),
        }
