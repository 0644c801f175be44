"""The large size's events, the customers' timeline and the staff's inbox.

The events the services would have sent for the customers, orders and quotes (their types,
payloads and actors as the services send them) are copied as already dispatched: what
their handlers would have done is written by the bulk path itself, so the event bus must
not do it again. The timeline is then made from them in one INSERT ... SELECT, as the
`customers.timeline` handler makes it (one entry per event about a customer, the same
summary keys). Stock events (one `stock.updated` per operation) are not written: the
ledger holds those changes. The demo's in-app triggers reach every staff user for the
cancelled orders and accepted quotes of the last 30 days, rendered as the push channel
renders them; those older than two days are mostly read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

from psycopg.types.json import Jsonb

from dockpulse.actors import SYSTEM, Actor
from dockpulse.events.models import EventLog
from dockpulse.notify.templates import render_message
from tenant_apps.customers.handlers import SUMMARY_KEYS
from tenant_apps.customers.models import TimelineEntry
from tenant_apps.notifications.models import Notification
from tenant_apps.sales.models import Order, Quote

from .backdate import execute
from .bulk import Bulk, copy_rows

S, Q = Order.Status, Quote.Status
INBOX_DAYS = 30
INBOX_EVENTS = ("order.cancelled", "quote.accepted")  # the demo triggers that reach the staff
# (type, source module, entity type, entity id, payload, actor, when)
Event = tuple[str, str, str, uuid.UUID, dict[str, Any], Actor, dt.datetime]


def _order_payload(bulk: Bulk, index: int, status: str, **extra: Any) -> dict[str, Any]:
    """As sales.services.orders.order_payload."""
    plan = bulk.story.orders[index]
    customer = bulk.customer_rows[plan.customer]
    net, vat, gross = bulk.order_totals[index]
    delivery = plan.delivery_date.isoformat() if plan.delivery_date else None
    return {
        "number": bulk.order_numbers[index], "status": status, "source": bulk.source(plan),
        "customer_id": str(bulk.customer_ids[plan.customer]), "customer_name": customer["name"],
        "customer_phone": customer["phone"], "customer_email": customer["email"],
        "total_net": str(net), "total_vat": str(vat), "total_gross": str(gross),
        "delivery_date": delivery, **extra,
    }  # fmt: skip


def _items(bulk: Bulk, index: int) -> list[dict[str, Any]]:
    """As sales.services.lines.payload_items."""
    items = []
    for pk, line in zip(bulk.line_ids[index], bulk.lines(bulk.story.orders[index]), strict=True):
        product = bulk.product_ids[line.product] if line.product is not None else None
        items.append({
            "line_id": str(pk), "product_id": str(product) if product else None,
            "description": line.description, "quantity": str(line.quantity), "unit": line.unit,
            "unit_price": str(line.unit_price), "total_gross": str(line.amounts.gross),
        })  # fmt: skip
    return items


def _quote_payload(bulk: Bulk, index: int, status: str, **extra: Any) -> dict[str, Any]:
    """As sales.services.quotes.quote_payload."""
    plan = bulk.story.quotes[index]
    customer = bulk.customer_rows[plan.customer]
    net, vat, gross = bulk.quote_totals[index]
    return {
        "number": bulk.quote_numbers[index], "status": status,
        "customer_id": str(bulk.customer_ids[plan.customer]), "customer_name": customer["name"],
        "customer_phone": customer["phone"], "customer_email": customer["email"],
        "total_net": str(net), "total_vat": str(vat), "total_gross": str(gross),
        "valid_until": plan.valid_until.isoformat(), **extra,
    }  # fmt: skip


def _customer_events(bulk: Bulk) -> Iterator[Event]:
    for index, row in enumerate(bulk.customer_rows):
        payload = {"name": row["name"], "company_name": row["company_name"], "phone": row["phone"]}
        yield ("customer.created", "customers", "customer", bulk.customer_ids[index], payload,
               bulk.staff.actor(index), bulk.story.customers_created[index])  # fmt: skip


def _order_events(bulk: Bulk) -> Iterator[Event]:
    for index, plan in enumerate(bulk.story.orders):
        order_id = bulk.order_ids[index]
        payload = _order_payload(bulk, index, S.NEW, items=_items(bulk, index))
        yield ("order.created", "orders", "order", order_id, payload, bulk.creator(plan),
               plan.created_at)  # fmt: skip
        previous: str = S.NEW
        for (status, at), actor in zip(plan.steps, bulk.movers(plan), strict=True):
            note = plan.cancel_note if status == S.CANCELLED else ""
            extra: dict[str, Any] = {"from": previous, "to": status, "note": note}
            if status == S.SHIPPED:
                extra["tracking_number"] = plan.tracking
            if status == S.CANCELLED:
                extra["items"] = _items(bulk, index)
            payload = _order_payload(bulk, index, status, **extra)
            yield (f"order.{status}", "orders", "order", order_id, payload, actor, at)
            previous = status


def _quote_events(bulk: Bulk) -> Iterator[Event]:
    for index, quote in enumerate(bulk.story.quotes):
        pk, actor = bulk.quote_ids[index], bulk.staff.actor(quote.handler)
        yield ("quote.created", "quotes", "quote", pk, _quote_payload(bulk, index, Q.DRAFT),
               actor, quote.created_at)  # fmt: skip
        if quote.sent_at is not None:
            yield ("quote.sent", "quotes", "quote", pk, _quote_payload(bulk, index, Q.SENT),
                   actor, quote.sent_at)  # fmt: skip
        if quote.status == Q.ACCEPTED and quote.decided_at and quote.order is not None:
            payload = _quote_payload(bulk, index, Q.ACCEPTED,
                                     order_id=str(bulk.order_ids[quote.order]),
                                     order_number=bulk.order_numbers[quote.order])  # fmt: skip
            yield ("quote.accepted", "quotes", "quote", pk, payload, bulk.acceptor[index],
                   quote.decided_at)  # fmt: skip
        elif quote.status == Q.REJECTED and quote.decided_at:
            payload = _quote_payload(bulk, index, Q.REJECTED, reason=quote.reason)
            yield ("quote.rejected", "quotes", "quote", pk, payload, actor, quote.decided_at)
        elif quote.status == Q.EXPIRED and quote.expired_at:
            payload = _quote_payload(bulk, index, Q.EXPIRED)
            yield ("quote.expired", "quotes", "quote", pk, payload, SYSTEM, quote.expired_at)


def write_events(bulk: Bulk) -> None:
    columns = ("id event_id event_type source_module entity_type entity_id payload user_id"
               " actor_type created_at dispatched_at")  # fmt: skip
    since = bulk.story.now - dt.timedelta(days=INBOX_DAYS)
    inbox: list[tuple[str, str, uuid.UUID, dict[str, Any], dt.datetime]] = []
    count = 0
    with copy_rows(EventLog, columns) as write:
        for stream in (_customer_events, _order_events, _quote_events):
            for event_type, module, entity_type, entity_id, payload, actor, at in stream(bulk):
                write((bulk.new_id(), bulk.new_id(), event_type, module, entity_type, entity_id,
                       Jsonb(payload), actor.id, actor.kind, at, at))  # fmt: skip
                count += 1
                if event_type in INBOX_EVENTS and at >= since:
                    inbox.append((event_type, entity_type, entity_id, payload, at))
    bulk.counts["events"] = count
    bulk.done(f"{count} events")
    _inbox(bulk, inbox)


def _inbox(
    bulk: Bulk, events: list[tuple[str, str, uuid.UUID, dict[str, Any], dt.datetime]]
) -> None:
    columns = "id user_id customer_id delivery_id title body data read_at created_at"
    read_before = bulk.story.now - dt.timedelta(days=2)
    tenant = bulk.tenant
    with copy_rows(Notification, columns) as write:
        for number, (event_type, entity_type, entity_id, payload, at) in enumerate(events):
            message = render_message(
                channel="push", event_type=event_type, payload=payload,
                language=tenant.language, currency=tenant.currency,
                context={"tenant_name": tenant.name}, timezone=tenant.time_zone,
            )  # fmt: skip
            title = (message.subject or message.body)[:255]
            data = {"event_type": event_type, "entity_type": entity_type,
                    "entity_id": str(entity_id)}  # fmt: skip
            read = at + dt.timedelta(hours=3) if at < read_before and number % 5 != 4 else None
            for user in bulk.staff.users:
                write((bulk.new_id(), user.pk, None, None, title, message.body, Jsonb(data),
                       read, at))  # fmt: skip
    bulk.done(f"{len(events) * len(bulk.staff.users)} notifications")


def write_timeline(bulk: Bulk) -> None:
    """The timeline handler's rows for the copied events, in one INSERT ... SELECT."""
    summary = ", ".join(f"'{key}', e.payload -> '{key}'" for key in SUMMARY_KEYS)
    execute(
        f"INSERT INTO {TimelineEntry._meta.db_table} (id, customer_id, event_id, event_type,"
        " entity_type, entity_id, summary, occurred_at)"
        " SELECT gen_random_uuid(), CASE WHEN e.entity_type = 'customer' THEN e.entity_id"
        " ELSE (e.payload ->> 'customer_id')::uuid END, e.id, e.event_type, e.entity_type,"
        f" e.entity_id, jsonb_strip_nulls(jsonb_build_object({summary})), e.created_at"
        f" FROM {EventLog._meta.db_table} AS e"
        " WHERE e.source_module IN ('customers', 'orders', 'quotes')"
        " AND e.event_type <> 'entity.deleted'"
        " AND (e.entity_type = 'customer' OR e.payload ? 'customer_id')"
        " ON CONFLICT ON CONSTRAINT customer_timeline_once DO NOTHING"
    )
    bulk.done("timeline")
