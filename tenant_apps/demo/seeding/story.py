"""The demo's 90 days, planned before anything is written: who orders what and when, how
far each order got, which quotes were sent, accepted, rejected or left to expire.

Pure data from one seeded RNG, shared by both writers (`through_services` for the small
size, `bulk` for the large one), so the two sizes tell the same kind of story. Orders come
in business hours, fewer at weekends and slowly more towards today; old orders are mostly
delivered, recent ones still new or confirmed, a few are cancelled or stuck. Every order
status and every quote status occurs at least once, whatever the size.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from decimal import Decimal

from tenant_apps.sales.models import Order, Quote

from .catalogue import ProductSpec, line_quantity
from .identities import TAG_REGULAR, TAG_VIP, CustomerSpec
from .moments import Calendar
from .plans import LinePlan, OrderPlan, PlanT, QuotePlan, Story

S, Q = Order.Status, Quote.Status
ORDER_STATUSES = tuple(S.values)
QUOTE_STATUSES = tuple(Q.values)
FORWARD = (S.CONFIRMED, S.IN_PROGRESS, S.SHIPPED, S.DELIVERED)
# Hours each forward move takes after the previous one (min, max).
_STEP_HOURS = {
    S.CONFIRMED: (0.5, 36),
    S.IN_PROGRESS: (4, 96),
    S.SHIPPED: (8, 96),
    S.DELIVERED: (18, 72),
}
_DISCOUNTS = (Decimal("2"), Decimal("3"), Decimal("5"), Decimal("7.5"), Decimal("10"))
_FREE_LINES = (
    ("Transport własny do 30 km", Decimal("120.00")),
    ("Paleta EUR (kaucja zwrotna)", Decimal("45.00")),
    ("Cięcie na wymiar", Decimal("35.00")),
)
_ORDER_NOTES = (
    "Proszę o fakturę VAT.",
    "Dostawa na budowę, kontakt z kierownikiem.",
    "Klient odbierze osobiście.",
    "Pilne!",
    "Dostawa po 15:00.",
    "Towar przygotować na paletach.",
)
_CANCEL_NOTES = (
    "Klient zrezygnował.",
    "Zamówienie zdublowane.",
    "Brak płatności.",
    "Zmiana projektu na budowie.",
)
REJECT_REASONS = (
    "Za wysoka cena.",
    "Wybraliśmy innego dostawcę.",
    "Inwestycja przesunięta na przyszły rok.",
    "Zbyt długi termin dostawy.",
)
_QUOTE_NOTES = (
    "Ceny ważne przy odbiorze całości.",
    "Transport wliczony w cenę.",
    "Możliwość podziału dostawy.",
    "",
)


def _weights(customers: list[CustomerSpec], rng: random.Random) -> list[float]:
    weights = []
    for spec in customers:
        weight = rng.paretovariate(1.3)
        if TAG_VIP in spec.tags:
            weight *= 3
        if TAG_REGULAR in spec.tags:
            weight *= 2
        weights.append(min(weight, 40.0))
    return weights


class Planner:
    def __init__(
        self,
        rng: random.Random,
        calendar: Calendar,
        customers: list[CustomerSpec],
        products: list[ProductSpec],
        *,
        staff: int,
        lines_mean: float,
    ) -> None:
        self.rng, self.calendar = rng, calendar
        self.customers, self.products = customers, products
        self.staff = max(1, staff)
        self.lines_mean = lines_mean
        self._customer_cum = list(itertools.accumulate(_weights(customers, rng)))
        self._product_cum = list(itertools.accumulate(p.popularity for p in products))

    # --- pieces -----------------------------------------------------------------------

    def customer(self) -> int:
        cum = self._customer_cum
        return min(len(cum) - 1, bisect.bisect_left(cum, self.rng.random() * cum[-1]))

    def lines(self) -> list[LinePlan]:
        rng = self.rng
        count = max(1, min(12, round(rng.expovariate(1 / self.lines_mean) + 0.5)))
        count = min(count, len(self.products))
        chosen: dict[int, None] = {}
        cum = self._product_cum
        while len(chosen) < count:
            chosen[min(len(cum) - 1, bisect.bisect_left(cum, rng.random() * cum[-1]))] = None
        lines = [
            LinePlan(
                product=index,
                quantity=line_quantity(self.products[index], rng),
                discount=rng.choice(_DISCOUNTS) if rng.random() < 0.3 else Decimal("0"),
            )
            for index in chosen
        ]
        if rng.random() < 0.05:
            description, price = rng.choice(_FREE_LINES)
            lines.append(
                LinePlan(
                    product=None,
                    quantity=Decimal("1.000"),
                    description=description,
                    unit_price=price,
                )
            )
        return lines

    def tracking(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.5:
            return "6" + "".join(str(rng.randrange(10)) for _ in range(23))  # InPost
        if kind < 0.8:
            return "0000" + "".join(str(rng.randrange(10)) for _ in range(10)) + "U"  # DPD
        return "PL" + "".join(str(rng.randrange(10)) for _ in range(9)) + "PL"  # Poczta

    def _forward(self, order: OrderPlan, upto: int) -> None:
        """Move the order forward through `upto` of the four moves, stopping at now."""
        at = order.created_at
        for status in FORWARD[:upto]:
            low, high = _STEP_HOURS[status]
            at = at + dt.timedelta(hours=self.rng.uniform(low, high))
            if at > self.calendar.now:
                return
            order.steps.append((status, at))

    def _cancel(self, order: OrderPlan) -> None:
        at = order.last_change + dt.timedelta(hours=self.rng.uniform(0.5, 48))
        if at <= self.calendar.now:
            order.steps.append((S.CANCELLED, at))
            order.cancel_note = self.rng.choice(_CANCEL_NOTES)

    def life(self, order: OrderPlan) -> None:
        """How far the order got: forward as time allows; a few stuck, a few cancelled."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.07:
            self._forward(order, rng.choice((0, 0, 1, 2)))
            self._cancel(order)
        elif roll < 0.11:
            self._forward(order, rng.randint(0, 3))  # waiting (payment, goods, a pick-up)
        else:
            self._forward(order, 4)
        if any(status == S.SHIPPED for status, _at in order.steps):
            order.tracking = self.tracking()

    def order(
        self,
        *,
        customer: int,
        at: dt.datetime,
        lines: list[LinePlan] | None = None,
        portal: bool | None = None,
    ) -> OrderPlan:
        rng = self.rng
        spec = self.customers[customer]
        if portal is None:
            portal = spec.is_portal_active and rng.random() < 0.15
        order = OrderPlan(
            customer=customer,
            created_at=at,
            lines=lines or self.lines(),
            portal=portal,
            handler=rng.randrange(self.staff),
            notes=rng.choice(_ORDER_NOTES) if rng.random() < 0.25 else "",
        )
        if rng.random() < 0.4:
            order.delivery_date = self.calendar.local_date(at) + dt.timedelta(
                days=rng.randint(2, 10)
            )
        self.life(order)
        return order

    # --- the whole story --------------------------------------------------------------

    def quotes(self, count: int) -> list[QuotePlan]:
        rng, calendar = self.rng, self.calendar
        plans = []
        for _ in range(count):
            created = calendar.moment()
            quote = QuotePlan(
                customer=self.customer(),
                created_at=created,
                lines=self.lines(),
                status=Q.DRAFT,
                valid_until=calendar.local_date(created) + dt.timedelta(days=30),
                handler=rng.randrange(self.staff),
                notes=rng.choice(_QUOTE_NOTES),
            )
            sent = created + dt.timedelta(hours=rng.uniform(0.5, 48))
            if sent <= calendar.now and rng.random() < 0.93:
                quote.status, quote.sent_at = Q.SENT, sent
                quote.valid_until = calendar.local_date(sent) + dt.timedelta(
                    days=rng.choice((14, 21, 30))
                )
                decided = sent + dt.timedelta(hours=rng.uniform(1, 12 * 24))
                in_time = calendar.local_date(decided) <= quote.valid_until
                if rng.random() < 0.75 and decided <= calendar.now and in_time:
                    quote.decided_at = decided
                    if rng.random() < 0.55:
                        quote.status = Q.ACCEPTED
                    else:
                        quote.status, quote.reason = Q.REJECTED, rng.choice(REJECT_REASONS)
                elif quote.valid_until < calendar.today:
                    quote.status = Q.EXPIRED
            plans.append(quote)
        self._every_quote_status(plans)
        for quote in plans:
            if quote.status == Q.EXPIRED:
                # quotes_expire() runs hourly: soon after the last valid day.
                midnight = dt.datetime.combine(
                    quote.valid_until + dt.timedelta(days=1), dt.time(), tzinfo=calendar.zone
                )
                quote.expired_at = (midnight + dt.timedelta(minutes=rng.randint(1, 59))).astimezone(
                    dt.UTC
                )
        plans.sort(key=lambda q: q.created_at)
        return plans

    def _every_quote_status(self, plans: list[QuotePlan]) -> None:
        """Small sizes can miss a status by chance: rewrite a quote of a status that has
        others into the missing one (old ones for decided/expired, new ones otherwise)."""
        calendar, rng = self.calendar, self.rng
        for status in QUOTE_STATUSES:
            quote = _donor(plans, status, newest=status in (Q.DRAFT, Q.SENT))
            if quote is None:
                continue
            quote.sent_at = quote.decided_at = None
            quote.status, quote.reason = status, ""
            if status == Q.DRAFT:
                quote.created_at = max(quote.created_at, calendar.now - dt.timedelta(days=3))
                quote.valid_until = calendar.local_date(quote.created_at) + dt.timedelta(days=30)
                continue
            age: float = {"sent": 0.2, "expired": 40, "accepted": 5, "rejected": 5}[status]
            quote.created_at = min(quote.created_at, calendar.now - dt.timedelta(days=age))
            quote.sent_at = quote.created_at + dt.timedelta(hours=1)
            sent_day = calendar.local_date(quote.sent_at)
            if status == Q.SENT:
                quote.valid_until = max(calendar.today, sent_day) + dt.timedelta(days=14)
            elif status == Q.EXPIRED:
                quote.valid_until = sent_day + dt.timedelta(days=14)
            else:
                quote.valid_until = sent_day + dt.timedelta(days=30)
                quote.decided_at = quote.sent_at + dt.timedelta(hours=rng.uniform(1, 48))
                if status == Q.REJECTED:
                    quote.reason = rng.choice(REJECT_REASONS)

    def orders(self, count: int, quotes: list[QuotePlan], *, heavy: int = 0) -> list[OrderPlan]:
        """`count` orders in all, accepted quotes' orders included; customer 0 places
        `heavy` of them when asked (the benchmark's customer with many orders)."""
        plans: list[OrderPlan] = []
        for index, quote in enumerate(quotes):
            if quote.status == Q.ACCEPTED and quote.decided_at is not None:
                order = self.order(
                    customer=quote.customer, at=quote.decided_at, lines=quote.lines, portal=False
                )
                order.quote, order.handler = index, quote.handler
                plans.append(order)
        regular = max(0, count - len(plans))
        heavy = min(heavy, regular)
        for number in range(regular):
            customer = 0 if number < heavy else self.customer()
            while heavy and customer == 0 and number >= heavy:
                customer = self.customer()
            plans.append(self.order(customer=customer, at=self.calendar.moment()))
        self._every_order_status(plans)
        plans.sort(key=lambda o: o.created_at)
        for quote in quotes:
            quote.order = None
        for position, order in enumerate(plans):
            if order.quote is not None:
                quotes[order.quote].order = position
        return plans

    def _every_order_status(self, plans: list[OrderPlan]) -> None:
        """As for quotes: a missing status is taken over by an order of a status that has
        others (the oldest for delivered and cancelled, the newest otherwise)."""
        now = self.calendar.now
        own = [o for o in plans if o.quote is None]
        for status in ORDER_STATUSES:
            order = _donor(own, status, newest=status not in (S.DELIVERED, S.CANCELLED))
            if order is None:
                continue
            if status != S.NEW:
                order.created_at = min(order.created_at, now - dt.timedelta(days=5))
            if status == S.CANCELLED:
                order.steps = [(S.CANCELLED, order.created_at + dt.timedelta(hours=2))]
                order.cancel_note = _CANCEL_NOTES[0]
            else:
                moves = FORWARD[: ORDER_STATUSES.index(status)]
                order.steps = [
                    (move, order.created_at + dt.timedelta(hours=12 * (i + 1)))
                    for i, move in enumerate(moves)
                ]
            shipped = status in (S.SHIPPED, S.DELIVERED)
            order.tracking = (order.tracking or self.tracking()) if shipped else ""


def _donor(plans: list[PlanT], status: str, *, newest: bool) -> PlanT | None:
    """A plan to turn into `status` when none has it: one whose status others share."""
    counts: dict[str, int] = {}
    for item in plans:
        counts[item.status] = counts.get(item.status, 0) + 1
    if status in counts or not plans:
        return None
    spare = [p for p in plans if counts[p.status] > 1]
    if not spare:
        return None
    return (
        max(spare, key=lambda p: p.created_at) if newest else min(spare, key=lambda p: p.created_at)
    )


def plan(
    rng: random.Random,
    calendar: Calendar,
    customers: list[CustomerSpec],
    products: list[ProductSpec],
    *,
    orders: int,
    quotes: int,
    staff: int,
    lines_mean: float,
    heavy: int = 0,
) -> Story:
    planner = Planner(rng, calendar, customers, products, staff=staff, lines_mean=lines_mean)
    quote_plans = planner.quotes(quotes)
    order_plans = planner.orders(orders, quote_plans, heavy=heavy)
    first: dict[int, dt.datetime] = {}
    documents: list[OrderPlan | QuotePlan] = [*order_plans, *quote_plans]
    for document in documents:
        seen = first.get(document.customer)
        if seen is None or document.created_at < seen:
            first[document.customer] = document.created_at
    customers_created = []
    for index in range(len(customers)):
        at = calendar.before((95, 400)) if rng.random() < 0.85 else calendar.moment()
        if index in first:
            at = min(at, first[index] - dt.timedelta(days=rng.uniform(1, 10)))
        customers_created.append(at)
    products_created = [calendar.before((120, 500)) for _ in products]
    start = dt.datetime.combine(
        calendar.today - dt.timedelta(days=calendar.days), dt.time(7), tzinfo=calendar.zone
    ).astimezone(dt.UTC)
    return Story(
        now=calendar.now,
        customers_created=customers_created,
        products_created=products_created,
        orders=order_plans,
        quotes=quote_plans,
        start=start,
    )
