"""What the customers app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dockpulse import extensions
from dockpulse.extensions import EVERYONE, MANAGERS, SearchHit

from . import selectors
from .api import CustomerViewSet

extensions.resource("customers", read=EVERYONE, write=MANAGERS)

extensions.event_types(
    "customer.created",
    "customer.updated",
    # Sent by the portal's login (tenant_apps/portal/services/auth.py); portal users are customers.
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

# --- the staff panel ------------------------------------------------------------------


def _find(query: str, limit: int) -> list[SearchHit]:
    return [
        SearchHit(
            title=customer.name,
            # The phone is a core field: never one the tenant hid.
            detail=customer.phone,
            url=reverse("customers:detail", args=[customer.pk]),
        )
        for customer in selectors.customer_search(query, limit)
    ]


extensions.nav_entry(
    "customers",
    label=_("Customers"),
    url_name="customers:list",
    order=10,
    module="@customers",
    resource="customers",
)
extensions.search_provider(
    "customers",
    label=_("Customers"),
    find=_find,
    order=10,
    module="@customers",
    resource="customers",
)
