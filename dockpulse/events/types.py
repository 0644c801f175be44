"""The event types services send (seed section 4.3, plus what later issues added)."""

from __future__ import annotations

EVENT_TYPES: tuple[str, ...] = (
    "entity.created", "entity.updated", "entity.deleted",
    "order.created", "order.confirmed", "order.in_progress", "order.shipped",
    "order.delivered", "order.cancelled",
    "quote.created", "quote.sent", "quote.accepted", "quote.rejected", "quote.expired",
    "customer.created", "customer.updated", "customer.portal_login",
    "stock.reserved", "stock.low", "stock.updated",
    "portal.order_placed", "portal.quote_accepted", "portal.message_sent",
)  # fmt: skip
