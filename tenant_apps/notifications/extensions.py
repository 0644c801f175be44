"""What the notifications app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from dockpulse import extensions
from dockpulse.extensions import ADMINS, EVERYONE, MANAGERS

from .api import DeliveryViewSet, InboxViewSet, TriggerViewSet
from .services import deliveries_sweep

# The delivery log shows phone numbers and addresses.
extensions.resource("notifications", read=MANAGERS, write=ADMINS)
# A user's own in-app notifications; the views only ever touch the caller's.
extensions.resource("inbox", read=EVERYONE, write=EVERYONE)

# Triggers are settings (the configuration app's resource: admins only).
extensions.api_route("settings/triggers", TriggerViewSet, basename="trigger")
extensions.api_route("notifications/deliveries", DeliveryViewSet, basename="notification-delivery")
# read/ and the list: after the prefixes under it, which a router would otherwise hand to it.
extensions.api_route("notifications", InboxViewSet, basename="notification", order=110)

# Re-queues sends whose task was lost or whose process died mid-send.
extensions.sweep("notifications.sends", deliveries_sweep)
