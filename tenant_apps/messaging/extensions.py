"""What the messaging app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dockpulse import extensions
from dockpulse.extensions import EVERYONE

# Every role reads and answers: employees are the ones talking to customers day to day,
# and a thread holds only what that customer and the staff wrote to each other (no prices
# or settings a role might be kept from). Customers' records are readable by all already.
extensions.resource(
    "messages", read=EVERYONE, write=EVERYONE, description="Customers' threads with the staff"
)

# The customer's side, `portal.message_sent`, is the customers app's declaration (the
# portal's events); the staff's side is ours.
extensions.event_types(
    "message.staff_replied",
    app="messaging",
    labels={"message.staff_replied": _("Staff replied to a message")},
)

# The thread on the customer's page, below their orders and quotes. It lives with the
# portal: without the portal the customer could neither read nor answer.
extensions.detail_section(
    "customer",
    "messages",
    label=_("Messages"),
    url_name="messaging:customer_thread",
    order=30,
    module="@portal",
    resource="messages",
)

# Every customer's thread, next to the customers: where the staff see who wrote.
extensions.nav_entry(
    "messages",
    label=_("Messages"),
    url_name="messaging:index",
    order=15,
    module="@portal",
    resource="messages",
)
