"""Dates for the small size: the rows and events the services stamped "now" moved back to
the moments the story planned (an UPDATE after creation, for demo data only; see
seeding/backdate.py), and the waiting events handled by the bus's own `drain()`.

Events are dated before they are handled, so their handlers see the planned time (a
timeline entry is dated by its event). The events handlers send (stock.*) are dated by the
order event that caused them. The stock ledger keeps the time it was written: it is
append-only (a trigger refuses UPDATE), so the demo's movements are dated when the seed ran.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from dockpulse.events.delivery import drain
from dockpulse.events.models import EventLog
from tenant_apps.customers.models import Customer
from tenant_apps.notifications.models import Notification, NotificationDelivery
from tenant_apps.notifications.services import notifications_mark_read
from tenant_apps.products.models import Product
from tenant_apps.sales.models import Order, OrderStatusChange, Quote
from tenant_apps.sales.services import quotes_expire

from .backdate import execute, retime
from .plans import QuotePlan, Story
from .setup import Staff

S, Q = Order.Status, Quote.Status
TS = "timestamptz"
_EVENT_TABLE = EventLog._meta.db_table


class Dating:
    """What ServicesWriter knows that dating needs (it sets these)."""

    story: Story
    staff: Staff
    started: dt.datetime
    customers: list[Customer]
    products: list[Product]
    orders: dict[int, Order]
    quotes: dict[int, Quote]
    order_index: dict[uuid.UUID, int]

    def _setup_times(self, mark: dt.datetime) -> None:
        """Customers, products and the set-up events back to their planned moments."""
        story = self.story
        retime(
            Customer._meta.db_table,
            [("created_at", TS), ("updated_at", TS)],
            ((c.pk, at, at) for c, at in zip(self.customers, story.customers_created, strict=True)),
        )
        retime(
            Product._meta.db_table,
            [("created_at", TS), ("updated_at", TS)],
            ((p.pk, at, at) for p, at in zip(self.products, story.products_created, strict=True)),
        )
        known = {c.pk: at for c, at in zip(self.customers, story.customers_created, strict=True)}
        known |= {p.pk: at for p, at in zip(self.products, story.products_created, strict=True)}
        setup = story.start - dt.timedelta(days=1)
        rows = []
        for number, (pk, entity_id) in enumerate(
            EventLog.objects.filter(created_at__gte=mark)
            .order_by("created_at")
            .values_list("pk", "entity_id")
        ):
            at = known.get(entity_id) if entity_id else None
            rows.append((pk, at or setup + dt.timedelta(seconds=number)))
        retime(_EVENT_TABLE, [("created_at", TS)], rows)

    # --- dates ------------------------------------------------------------------------

    def _chunk_times(self, mark: dt.datetime) -> None:
        """The chunk's orders, quotes, history rows and events to their planned moments."""
        story = self.story
        quote_ids = {q.pk: i for i, q in self.quotes.items()}
        plans = {pk: story.orders[i] for pk, i in self.order_index.items()}
        changes = list(
            OrderStatusChange.objects.filter(created_at__gte=mark).values_list(
                "pk", "order_id", "to_status"
            )
        )
        retime(
            OrderStatusChange._meta.db_table,
            [("created_at", TS)],
            ((pk, plans[order_id].when(to)) for pk, order_id, to in changes),
        )
        recent = {order_id for _pk, order_id, _to in changes}
        retime(
            Order._meta.db_table,
            [("created_at", TS), ("updated_at", TS)],
            ((pk, plans[pk].created_at, self._order_changed(pk)) for pk in recent),
        )
        recent_quotes = set(Quote.objects.filter(updated_at__gte=mark).values_list("pk", flat=True))
        retime(
            Quote._meta.db_table,
            [
                ("created_at", TS),
                ("sent_at", TS),
                ("accepted_at", TS),
                ("rejected_at", TS),
                ("updated_at", TS),
            ],
            (self._quote_times(pk, story.quotes[quote_ids[pk]]) for pk in recent_quotes),
        )
        rows = []
        for pk, entity_type, entity_id, event_type in EventLog.objects.filter(
            created_at__gte=mark
        ).values_list("pk", "entity_type", "entity_id", "event_type"):
            at = None
            if entity_type == "order" and entity_id in plans:
                plan = plans[entity_id]
                status = event_type.removeprefix("order.")
                at = plan.when(S.NEW if status == "created" else status)
            elif entity_type == "quote" and entity_id in quote_ids:
                quote = story.quotes[quote_ids[entity_id]]
                at = {
                    "quote.created": quote.created_at,
                    "quote.sent": quote.sent_at,
                    "quote.accepted": quote.decided_at,
                    "quote.rejected": quote.decided_at,
                }.get(event_type)
            if at is not None:
                rows.append((pk, at))
        retime(_EVENT_TABLE, [("created_at", TS)], rows)

    def _order_changed(self, pk: uuid.UUID) -> dt.datetime:
        """When the order's last move written so far was planned."""
        index = self.order_index[pk]
        plan, status = self.story.orders[index], self.orders[index].status
        return plan.when(status)

    @staticmethod
    def _quote_times(pk: uuid.UUID, plan: QuotePlan) -> tuple[Any, ...]:
        accepted = plan.decided_at if plan.status == Q.ACCEPTED else None
        rejected = plan.decided_at if plan.status == Q.REJECTED else None
        changed = plan.decided_at or plan.sent_at or plan.created_at
        return (pk, plan.created_at, plan.sent_at, accepted, rejected, changed)

    def _drain(self) -> None:
        """Handle every waiting event here (the drain task's function), then date the
        events the handlers sent by the order event that caused them."""
        mark = timezone.now()
        while drain().events:
            pass
        made = list(
            EventLog.objects.filter(created_at__gte=mark, event_type__startswith="stock.")
            .order_by("created_at")
            .values_list("pk", "event_type", "entity_type", "entity_id", "payload")
        )
        rows: list[tuple[Any, dt.datetime]] = []
        # stock.reserved follows the stock.updated events of the same operation.
        last_reason: dict[uuid.UUID, str] = {}
        for pk, event_type, entity_type, entity_id, payload in made:
            raw = payload.get("order_id") or (entity_id if entity_type == "order" else None)
            order_id = uuid.UUID(str(raw)) if raw else None
            if order_id is None or order_id not in self.order_index:
                continue
            plan = self.story.orders[self.order_index[order_id]]
            if event_type == "stock.reserved":
                reason = last_reason.pop(order_id, "order.created")
            else:
                reason = str(payload.get("reason") or "order.created")
                last_reason[order_id] = reason
            status = {"order.shipped": S.SHIPPED, "order.cancelled": S.CANCELLED}.get(reason, S.NEW)
            rows.append((pk, plan.when(status) + dt.timedelta(seconds=1)))
        retime(_EVENT_TABLE, [("created_at", TS)], rows)

    def _expire(self) -> None:
        """Sent quotes past their validity expire through the service, as beat would."""
        story = self.story
        retime(
            Quote._meta.db_table,
            [("valid_until", "date")],
            ((self.quotes[i].pk, plan.valid_until) for i, plan in enumerate(story.quotes)),
        )
        mark = timezone.now()
        quotes_expire()
        by_pk = {self.quotes[i].pk: plan for i, plan in enumerate(story.quotes)}
        expired = list(
            Quote.objects.filter(status=Q.EXPIRED, updated_at__gte=mark).values_list(
                "pk", flat=True
            )
        )
        retime(
            Quote._meta.db_table,
            [("updated_at", TS)],
            ((pk, by_pk[pk].expired_at) for pk in expired),
        )
        events = EventLog.objects.filter(created_at__gte=mark, event_type="quote.expired")
        retime(
            _EVENT_TABLE,
            [("created_at", TS)],
            (
                (pk, by_pk[quote].expired_at)
                for pk, quote in events.values_list("pk", "entity_id")
                if quote is not None
            ),
        )
        self._drain()

    def _inbox(self) -> None:
        """Notifications dated by their event; those older than two days mostly read."""
        started = self.started
        execute(
            f"UPDATE {NotificationDelivery._meta.db_table} AS d SET created_at = e.created_at,"
            " sent_at = CASE WHEN d.sent_at IS NULL THEN NULL ELSE e.created_at END"
            f" FROM {_EVENT_TABLE} AS e WHERE e.id = d.event_id AND d.created_at >= %s",
            [started],
        )
        execute(
            f"UPDATE {Notification._meta.db_table} AS n SET created_at = d.created_at"
            f" FROM {NotificationDelivery._meta.db_table} AS d"
            " WHERE d.id = n.delivery_id AND n.created_at >= %s",
            [started],
        )
        before = self.story.now - dt.timedelta(days=2)
        for user in self.staff.users:
            old = list(
                Notification.objects.filter(user=user, created_at__lt=before)
                .order_by("created_at")
                .values_list("pk", flat=True)
            )
            read = [pk for number, pk in enumerate(old) if number % 5 != 4]
            if read:
                notifications_mark_read(user=user, ids=read)
        execute(
            f"UPDATE {Notification._meta.db_table} SET read_at = created_at + interval '3 hours'"
            " WHERE read_at >= %s",
            [started],
        )
