"""The event log (the outbox) and its delivery rows."""

from __future__ import annotations

import uuid

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from dockpulse.events.models import EventDelivery, EventLog


class EventLogFactory(DjangoModelFactory[EventLog]):
    """An event row written directly, not sent through the bus: no handler runs and
    nothing is notified. Dispatched by default, so a later drain leaves it alone;
    `EventLogFactory.create(undispatched=True)` is one the drain will pick up."""

    class Meta:
        model = EventLog

    class Params:
        undispatched = factory.Trait(dispatched_at=None)

    event_type = "customer.updated"
    source_module = "tests"
    entity_type = "customer"
    entity_id = factory.LazyFunction(uuid.uuid4)
    payload = factory.LazyFunction(dict)
    actor_type = EventLog.ActorType.SYSTEM
    dispatched_at = factory.LazyFunction(timezone.now)


class EventDeliveryFactory(DjangoModelFactory[EventDelivery]):
    class Meta:
        model = EventDelivery

    event = factory.SubFactory(EventLogFactory)
    handler = "customers.timeline"
    status = EventDelivery.Status.PENDING
