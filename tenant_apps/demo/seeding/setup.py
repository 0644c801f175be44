"""What both sizes set up first, through the services: who acts, the warehouses, the
demo's in-app triggers, and the outside triggers held back while the seed runs.

The demo's phone numbers are made up and may belong to real people: the seed must never
text or e-mail anyone. Its transaction therefore switches the tenant's SMS, e-mail and
webhook triggers off at its start and back on at its end; other transactions never see
them off (the switch commits as "unchanged"), and the events the seed writes are handled
while they are off, so no delivery is written or sent for them. The in-app (push)
triggers it adds are what fill the staff's inbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dockpulse.actors import SYSTEM, Actor, staff_actor
from dockpulse.tenancy import get_current_tenant
from tenant_apps.accounts.models import Role, User
from tenant_apps.notifications.inputs import trigger_input
from tenant_apps.notifications.models import ActionType, WorkflowTrigger
from tenant_apps.notifications.services import trigger_create
from tenant_apps.sales.models import Order
from tenant_apps.stock.inputs import warehouse_input
from tenant_apps.stock.models import Warehouse
from tenant_apps.stock.services import stock_enabled, warehouse_create, warehouse_default

from .errors import SeedError

SECOND_WAREHOUSE = {
    "code": "KRK",
    "name": "Magazyn Kraków",
    "address": "ul. Półłanki 18, 30-740 Kraków",
}
# (code, event type, audience, name): the inbox of the demo's staff.
DEMO_TRIGGERS = (
    (
        "demo.order.cancelled.push",
        "order.cancelled",
        "staff",
        _("Order cancelled: in-app notification to the staff"),
    ),
    (
        "demo.quote.accepted.push",
        "quote.accepted",
        "staff",
        _("Quote accepted: in-app notification to the staff"),
    ),
    (
        "demo.stock.low.push",
        "stock.low",
        "admins",
        _("Low stock: in-app notification to the administrators"),
    ),
)


@dataclass
class Staff:
    """The tenant's active staff, and who of them may make which move."""

    users: list[User]
    managers: list[User]
    workers: list[User]

    @classmethod
    def load(cls) -> Staff:
        users = list(User.objects.filter(is_active=True).order_by("created_at", "email"))
        if not users:
            raise SeedError("the tenant has no active staff user to handle the demo orders")
        managers = [u for u in users if u.role in (Role.ADMIN, Role.MANAGER)]
        workers = [u for u in users if u.role == Role.EMPLOYEE] or users
        return cls(users=users, managers=managers, workers=workers)

    def user(self, index: int) -> User:
        return self.users[index % len(self.users)]

    def actor(self, index: int) -> Actor:
        return staff_actor(self.user(index))

    def manager(self, index: int) -> Actor:
        """Confirming and cancelling take a manager or an admin (the system otherwise)."""
        if not self.managers:
            return SYSTEM
        return staff_actor(self.managers[index % len(self.managers)])

    def worker(self, index: int) -> Actor:
        return staff_actor(self.workers[index % len(self.workers)])

    def mover(self, index: int, *, to: str, previous: str, customer: Actor | None) -> Actor:
        """Who moves an order of handler `index` to `to` (TRANSITIONS says who may): a
        portal customer cancels their own new order, managers confirm and cancel, the
        warehouse staff do the rest."""
        if to == Order.Status.CANCELLED and customer is not None and previous == Order.Status.NEW:
            return customer
        if to in (Order.Status.CONFIRMED, Order.Status.CANCELLED):
            return self.manager(index)
        return self.worker(index)


def warehouses(actor: Actor) -> list[Warehouse]:
    """The default warehouse and a second one (reservations come from the default)."""
    if not stock_enabled():
        return []
    main = warehouse_default()
    second = Warehouse.objects.filter(code=SECOND_WAREHOUSE["code"]).first()
    if second is None:
        second = warehouse_create(values=warehouse_input(SECOND_WAREHOUSE), actor=actor)
    return [main, second]


def demo_triggers(actor: Actor) -> list[WorkflowTrigger]:
    """In-app triggers (cancelled orders, accepted quotes, low stock), named in the tenant's
    language; kept after the seed, so the demo's inbox keeps filling."""
    existing = set(WorkflowTrigger.objects.values_list("code", flat=True))
    made = []
    with translation.override(get_current_tenant().language):
        for code, event_type, audience, name in DEMO_TRIGGERS:
            if code in existing:
                continue
            values = trigger_input(
                code=code,
                name=str(name),
                event_type=event_type,
                action_type=ActionType.PUSH,
                action_config={"to": audience},
            )
            made.append(trigger_create(values=values, actor=actor))
    return made


@contextmanager
def outside_triggers_held() -> Iterator[list[uuid.UUID]]:
    """SMS, e-mail and webhook triggers off for the seed's transaction, on again at its
    end (a plain UPDATE both ways: to everyone else nothing changed, so no event)."""
    outside = WorkflowTrigger.objects.filter(is_enabled=True).exclude(action_type=ActionType.PUSH)
    held = list(outside.values_list("pk", flat=True))
    WorkflowTrigger.objects.filter(pk__in=held).update(is_enabled=False)
    # No finally: after an error the whole transaction, this switch included, rolls back.
    yield held
    WorkflowTrigger.objects.filter(pk__in=held).update(is_enabled=True)
