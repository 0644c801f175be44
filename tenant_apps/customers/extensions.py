"""What the customers app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from dockpulse import extensions
from dockpulse.extensions import EVERYONE, MANAGERS

from .api import CustomerViewSet

extensions.resource("customers", read=EVERYONE, write=MANAGERS)

extensions.event_types(
    "customer.created",
    "customer.updated",
    # Sent by the portal's login once it exists: portal users are rows of customers.
    "customer.portal_login",
    # The customer portal's own (portal users are rows of customers); declared here until
    # the portal app that sends them exists.
    "portal.order_placed",
    "portal.quote_accepted",
    "portal.message_sent",
    app="customers",
)

extensions.api_route("customers", CustomerViewSet, basename="customer")

extensions.configurable_fields(
    "customer",
    configurable=("company_name", "email", "nip", "address", "notes", "tags"),
    core=("name", "phone"),
)
