"""Customers and their timeline."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tenant_apps.customers.models import Customer, TimelineEntry
from tests.factories.events import EventLogFactory


class CustomerFactory(DjangoModelFactory[Customer]):
    """A customer row with values as the service stores them (E.164 phone, lower-case
    e-mail), written directly: no `max_customers` check and no `customer.created` event.
    Use the customers service when the test is about those."""

    class Meta:
        model = Customer

    name = factory.Faker("name", locale="pl_PL")
    # +48 69x: no other test uses that range, so a factory's phone never collides.
    phone = factory.Sequence(lambda n: f"+4869{n:07d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    address_street = factory.Faker("street_address", locale="pl_PL")
    address_postal_code = factory.Faker("postcode", locale="pl_PL")
    address_city = factory.Faker("city", locale="pl_PL")
    tags = factory.LazyFunction(list)
    metadata = factory.LazyFunction(dict)


class TimelineEntryFactory(DjangoModelFactory[TimelineEntry]):
    """A timeline row and the event it records (as the `customers.timeline` handler
    writes them)."""

    class Meta:
        model = TimelineEntry

    customer = factory.SubFactory(CustomerFactory)
    event = factory.SubFactory(
        EventLogFactory,
        event_type="customer.updated",
        entity_type="customer",
        entity_id=factory.SelfAttribute("..customer.id"),
    )
    event_type = factory.SelfAttribute("event.event_type")
    entity_type = factory.SelfAttribute("event.entity_type")
    entity_id = factory.SelfAttribute("event.entity_id")
    summary = factory.LazyFunction(dict)
    occurred_at = factory.LazyFunction(timezone.now)
