"""What the sales app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from dockpulse import extensions
from dockpulse.extensions import EVERYONE, MANAGERS

from .api import OrderViewSet, QuoteViewSet

# Every staff role may create an order and ask for a transition; which role may make
# which move (employees progress work, managers confirm and cancel) is the order
# service's rule.
extensions.resource("orders", read=EVERYONE, write=MANAGERS, create=EVERYONE, transition=EVERYONE)
extensions.resource("quotes", read=EVERYONE, write=MANAGERS)

extensions.event_types(
    "order.created",
    "order.confirmed",
    "order.in_progress",
    "order.shipped",
    "order.delivered",
    "order.cancelled",
    "quote.created",
    "quote.sent",
    "quote.accepted",
    "quote.rejected",
    "quote.expired",
    app="sales",
)

extensions.api_route("orders", OrderViewSet, basename="order")
extensions.api_route("quotes", QuoteViewSet, basename="quote")
