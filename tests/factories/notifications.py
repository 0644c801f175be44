"""Workflow triggers, their delivery log and in-app notifications."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from tenant_apps.notifications.models import (
    ActionType,
    Notification,
    NotificationDelivery,
    WorkflowTrigger,
)
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.events import EventLogFactory


class WorkflowTriggerFactory(DjangoModelFactory[WorkflowTrigger]):
    """A trigger row with a config the service would accept (push to the admins by
    default), written directly: no `entity.created` event. Webhook triggers made here need
    their own `action_config` with a url and a whsec_ secret."""

    class Meta:
        model = WorkflowTrigger

    code = factory.Sequence(lambda n: f"tests.trigger-{n}")
    name = factory.LazyAttribute(lambda o: f"Trigger {o.code}")
    event_type = "order.created"
    action_type = ActionType.PUSH
    action_config = factory.LazyFunction(lambda: {"to": "admins"})
    is_enabled = True


class NotificationDeliveryFactory(DjangoModelFactory[NotificationDelivery]):
    """A pending delivery of the trigger's channel for a (dispatched) event."""

    class Meta:
        model = NotificationDelivery

    trigger = factory.SubFactory(WorkflowTriggerFactory)
    event = factory.SubFactory(
        EventLogFactory, event_type=factory.SelfAttribute("..trigger.event_type")
    )
    channel = factory.SelfAttribute("trigger.action_type")
    recipient = "+48600100200"
    subject = ""
    body = "A message from the tests."
    status = NotificationDelivery.Status.PENDING


class NotificationFactory(DjangoModelFactory[Notification]):
    """An unread in-app notification for a staff user; `for_customer=True` makes it a
    customer's instead (exactly one recipient, as the database requires)."""

    class Meta:
        model = Notification

    class Params:
        for_customer = factory.Trait(user=None, customer=factory.SubFactory(CustomerFactory))

    user = factory.SubFactory(UserFactory)
    customer = None
    title = factory.Sequence(lambda n: f"Notification {n}")
    body = ""
    data = factory.LazyFunction(dict)
