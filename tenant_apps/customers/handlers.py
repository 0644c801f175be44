"""The customer's timeline, kept by the event bus (a database-only handler)."""

from __future__ import annotations

import uuid
from typing import Any

from dockpulse.events.handlers import handler
from dockpulse.events.models import EventLog

from .models import Customer, TimelineEntry

# Payload keys worth keeping on the timeline (the rest is in event_log).
SUMMARY_KEYS = ("number", "status", "from", "to", "total_gross", "tracking_number", "note",
                "reason", "order_number", "name", "changed", "portal_access")  # fmt: skip


def customer_of(event: EventLog) -> uuid.UUID | None:
    if event.entity_type == "customer" and event.entity_id:
        return event.entity_id
    raw: Any = event.payload.get("customer_id") if isinstance(event.payload, dict) else None
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


@handler("*", name="customers.timeline", module="@customers", batch=True)
def add_to_timeline(events: list[EventLog]) -> None:
    """Add each event about a customer to that customer's timeline (once: unique key)."""
    about = [(event, customer_of(event)) for event in events]
    wanted = [(e, c) for e, c in about if c is not None and e.event_type != "entity.deleted"]
    if not wanted:
        return
    known = set(
        Customer.objects.filter(pk__in={c for _e, c in wanted}).values_list("pk", flat=True)
    )
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                customer_id=customer_id,
                event=event,
                event_type=event.event_type,
                entity_type=event.entity_type,
                entity_id=event.entity_id,
                summary={k: event.payload[k] for k in SUMMARY_KEYS if k in event.payload},
                occurred_at=event.created_at,
            )
            for event, customer_id in wanted
            if customer_id in known
        ],
        ignore_conflicts=True,
    )
