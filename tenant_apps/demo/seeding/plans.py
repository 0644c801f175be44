"""The story's plans: what each order and quote goes through, and when (pure data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from tenant_apps.sales.models import Order

S = Order.Status


@dataclass(slots=True)
class LinePlan:
    product: int | None  # index into the products; None: a free-text line
    quantity: Decimal
    discount: Decimal = Decimal("0")
    description: str = ""
    unit_price: Decimal | None = None


@dataclass(slots=True)
class OrderPlan:
    customer: int
    created_at: dt.datetime
    lines: list[LinePlan]
    # Moves after creation, in order: (status, when).
    steps: list[tuple[str, dt.datetime]] = field(default_factory=list)
    portal: bool = False
    handler: int = 0  # which staff user handles it (an index, wrapped over the staff)
    notes: str = ""
    cancel_note: str = ""
    tracking: str = ""
    delivery_date: dt.date | None = None
    quote: int | None = None  # the quote it was accepted from

    @property
    def status(self) -> str:
        return self.steps[-1][0] if self.steps else S.NEW

    def when(self, status: str) -> dt.datetime:
        if status == S.NEW:
            return self.created_at
        return next(at for to, at in self.steps if to == status)

    @property
    def last_change(self) -> dt.datetime:
        return self.steps[-1][1] if self.steps else self.created_at


@dataclass(slots=True)
class QuotePlan:
    customer: int
    created_at: dt.datetime
    lines: list[LinePlan]
    status: str
    valid_until: dt.date
    sent_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None  # accepted or rejected
    expired_at: dt.datetime | None = None
    reason: str = ""
    handler: int = 0
    notes: str = ""
    order: int | None = None  # the order it became (index into Story.orders)

    @property
    def last_change(self) -> dt.datetime:
        return self.expired_at or self.decided_at or self.sent_at or self.created_at


PlanT = TypeVar("PlanT", "OrderPlan", "QuotePlan")


@dataclass
class Story:
    now: dt.datetime
    customers_created: list[dt.datetime]
    products_created: list[dt.datetime]
    orders: list[OrderPlan]  # by creation time
    quotes: list[QuotePlan]  # by creation time
    start: dt.datetime  # the first day of the window (stock arrives before it)
