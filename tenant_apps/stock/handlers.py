"""How stock plugs into sales: its order-event handlers (docs/events.md) and the stock
figures the orders API shows per line.

The event bus runs the handlers in the tenant's context inside a transaction and skips them
while the tenant's `@stock` module is off. Each is idempotent on its own (the same event may
be handled again): the services lock the order's row and act only on what is still to do.
They read the order's current lines rather than the payload's `items`, which may be stale
(a new order's lines can be replaced before the event is handled).

Stock depends on sales, never the other way round (docs/stock.md): sales offers the hook
for the line figures (`tenant_apps.sales.line_stock`) and stock fills it here, at start-up.
"""

from __future__ import annotations

from dockpulse.actors import SYSTEM, Actor, customer_actor
from dockpulse.events.handlers import handler
from dockpulse.events.models import EventLog
from tenant_apps.sales import line_stock

from .inputs import staff
from .selectors import LINE_RELATIONS, line_figures
from .services.common import MODULE
from .services.reservations import (
    stock_consume_order,
    stock_release_order,
    stock_reserve_order,
)


def event_actor(event: EventLog) -> Actor:
    """Who caused the event (a staff user, a customer, or the system)."""
    if event.user_id is None:
        return SYSTEM
    if event.actor_type == EventLog.ActorType.STAFF:
        from tenant_apps.accounts.models import User

        user = User.objects.filter(pk=event.user_id).first()
        return SYSTEM if user is None else staff(user)
    if event.actor_type == EventLog.ActorType.CUSTOMER:
        from tenant_apps.customers.models import Customer

        customer = Customer.objects.filter(pk=event.user_id).first()
        return SYSTEM if customer is None else customer_actor(customer)
    return SYSTEM


@handler("order.created", name="stock.reserve", module=MODULE)
def reserve_on_order_created(event: EventLog) -> None:
    """Reserve the new order's lines from the default warehouse (shortfall backordered)."""
    if event.entity_id is not None:
        stock_reserve_order(
            order_id=event.entity_id, actor=event_actor(event), reason="order.created"
        )


@handler("entity.updated", name="stock.resync", module=MODULE, entity_types=("order",))
def resync_on_order_lines_changed(event: EventLog) -> None:
    """A new order's lines were replaced: release the old lines' stock, reserve the new."""
    if event.entity_type != "order" or event.entity_id is None:
        return
    if "lines" not in (event.payload or {}).get("changed", []):
        return
    stock_reserve_order(
        order_id=event.entity_id, actor=event_actor(event), reason="order.lines_changed"
    )


@handler("order.cancelled", name="stock.release", module=MODULE)
def release_on_order_cancelled(event: EventLog) -> None:
    """Give a cancelled order's reserved stock back."""
    if event.entity_id is not None:
        stock_release_order(
            order_id=event.entity_id, actor=event_actor(event), reason="order.cancelled"
        )


@handler("order.shipped", name="stock.consume", module=MODULE)
def consume_on_order_shipped(event: EventLog) -> None:
    """Take a shipped order's goods out of stock (on_hand and reserved both fall)."""
    if event.entity_id is not None:
        stock_consume_order(
            order_id=event.entity_id, actor=event_actor(event), reason="order.shipped"
        )


line_stock.provide(line_figures, related=LINE_RELATIONS)
