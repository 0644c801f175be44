"""Stock's event handlers (DESIGN section 5): orders reserve, release and consume stock.

The event bus runs them in the tenant's context inside a transaction and skips them while
the tenant's `@stock` module is off. Each is idempotent on its own (the same event may be
handled again): the services lock the order's row and act only on what is still to do.
They read the order's current lines rather than the payload's `items`, which may be stale
(a new order's lines can be replaced before the event is handled).
"""

from __future__ import annotations

from typing import Any

from dockpulse.events.handlers import handler
from tenant_apps.events.models import EventLog

from . import services


def event_actor(event: EventLog) -> Any:
    """Who caused the event (a staff user, a customer, or None for the system)."""
    if event.user_id is None:
        return None
    if event.actor_type == EventLog.ActorType.STAFF:
        from tenant_apps.accounts.models import User

        return User.objects.filter(pk=event.user_id).first()
    if event.actor_type == EventLog.ActorType.CUSTOMER:
        from tenant_apps.customers.models import Customer

        return Customer.objects.filter(pk=event.user_id).first()
    return None


@handler("order.created", name="stock.reserve", module=services.MODULE)
def reserve_on_order_created(event: EventLog) -> None:
    """Reserve the new order's lines from the default warehouse (shortfall backordered)."""
    if event.entity_id is not None:
        services.stock_reserve_order(
            order_id=event.entity_id, actor=event_actor(event), reason="order.created"
        )


@handler("entity.updated", name="stock.resync", module=services.MODULE, entity_types=("order",))
def resync_on_order_lines_changed(event: EventLog) -> None:
    """A new order's lines were replaced: release the old lines' stock, reserve the new."""
    if event.entity_type != "order" or event.entity_id is None:
        return
    if "lines" not in (event.payload or {}).get("changed", []):
        return
    services.stock_reserve_order(
        order_id=event.entity_id, actor=event_actor(event), reason="order.lines_changed"
    )


@handler("order.cancelled", name="stock.release", module=services.MODULE)
def release_on_order_cancelled(event: EventLog) -> None:
    """Give a cancelled order's reserved stock back."""
    if event.entity_id is not None:
        services.stock_release_order(
            order_id=event.entity_id, actor=event_actor(event), reason="order.cancelled"
        )


@handler("order.shipped", name="stock.consume", module=services.MODULE)
def consume_on_order_shipped(event: EventLog) -> None:
    """Take a shipped order's goods out of stock (on_hand and reserved both fall)."""
    if event.entity_id is not None:
        services.stock_consume_order(
            order_id=event.entity_id, actor=event_actor(event), reason="order.shipped"
        )
