"""What the notifications app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from dockpulse import extensions
from dockpulse.extensions import ADMINS, EVERYONE, HEADER, MANAGERS

from . import selectors
from .api import DeliveryViewSet, InboxViewSet, TriggerViewSet
from .services import deliveries_sweep

# The delivery log shows phone numbers and addresses.
# "retry": sending a failed delivery again is a manager's call, like reading the log.
extensions.resource("notifications", read=MANAGERS, write=ADMINS, retry=MANAGERS)
# A user's own in-app notifications; the views only ever touch the caller's.
extensions.resource("inbox", read=EVERYONE, write=EVERYONE)

INBOX_LABEL = _("Notifications")


def unread_badge(request: Any) -> int:
    """The header's count: the signed-in user's unread notifications (one indexed count)."""
    return selectors.unread_count(user=request.user)


# The inbox in the header, with its unread count (refreshed by polling inbox:badge).
extensions.nav_entry(
    "inbox",
    label=INBOX_LABEL,
    url_name="inbox:index",
    order=10,
    module="@notifications",
    resource="inbox",
    area=HEADER,
    badge=unread_badge,
    badge_url_name="inbox:badge",
)

# The delivery log: managers see what failed and send it again.
extensions.nav_entry(
    "deliveries",
    label=_("Deliveries"),
    url_name="inbox:deliveries",
    order=85,
    module="@notifications",
    resource="notifications",
)

# Triggers are settings (the configuration app's resource: admins only).
extensions.api_route("settings/triggers", TriggerViewSet, basename="trigger")
extensions.api_route("notifications/deliveries", DeliveryViewSet, basename="notification-delivery")
# read/ and the list: after the prefixes under it, which a router would otherwise hand to it.
extensions.api_route("notifications", InboxViewSet, basename="notification", order=110)

# Re-queues sends whose task was lost or whose process died mid-send.
extensions.sweep("notifications.sends", deliveries_sweep)

# --- settings: the workflow triggers' section of /settings/ (settings_views.py) ---------
from django.utils.translation import gettext_lazy as _trigger_label  # noqa: E402

extensions.nav_entry(
    "settings.triggers",
    label=_trigger_label("Workflow triggers"),
    url_name="triggers:list",
    order=50,
    module="@notifications",
    resource="settings",
    area="settings",
)
# --- end of settings ----------------------------------------------------------------------
