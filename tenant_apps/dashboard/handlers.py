"""The dashboard's event handler: keeps the daily aggregates (models.DailySales).

A database handler for every event that changes what an order counts for: its creation,
each status move (`order.confirmed` ... `order.cancelled`) and a change of a new order's
lines (`entity.updated` of an order: its totals). It recomputes the tenant days the
batch's orders were created on from the orders themselves (services.daily_sales_refresh),
so it is idempotent -- a replayed or repeated event recomputes the same figures -- and
the order in which events arrive does not matter: the figures follow the orders' state.

Not tied to a module: the figures stay right while a module is off and on again. Orders
are never deleted (no service does; the admin cannot); a row removed by hand needs
`manage.py rebuild_dashboard SLUG`.
"""

from __future__ import annotations

from django.utils import timezone

from dockpulse.events.handlers import handler
from dockpulse.events.models import EventLog
from tenant_apps.sales.models import Order

from .services import daily_sales_rebuild, daily_sales_refresh, tenant_zone

ORDER_EVENTS = (
    "order.created",
    "order.confirmed",
    "order.in_progress",
    "order.shipped",
    "order.delivered",
    "order.cancelled",
    "entity.updated",
)


@handler(*ORDER_EVENTS, name="dashboard.daily_sales", entity_types=("order",), batch=True)
def refresh_daily_sales(events: list[EventLog]) -> None:
    """Recompute the days of the orders the events are about (one query for their days)."""
    ids = {event.entity_id for event in events if event.entity_id is not None}
    if not ids:
        return
    zone = tenant_zone()
    created = Order.objects.filter(pk__in=ids).values_list("created_at", flat=True)
    daily_sales_refresh(days={timezone.localtime(moment, zone).date() for moment in created})


@handler("entity.updated", name="dashboard.time_zone", entity_types=("company_profile",))
def rebuild_after_time_zone_change(event: EventLog) -> None:
    """A new time zone moves orders across midnight: every day is recomputed in it."""
    if "time_zone" in event.payload.get("changed", []):
        daily_sales_rebuild()
