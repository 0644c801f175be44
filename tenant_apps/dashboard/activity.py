"""Recent activity: how an event-log row reads to a person ("Order ZAM-2026-001 created").

One sentence per event type, filled from the event's payload (orders and quotes carry
their number, customers their name, products their code and name); an event without a
sentence of its own, or whose payload lacks what the sentence needs, reads as its
entity's generic change ("Order changed") or, last, its type ("Event quote.sent").
Who did it is shown beside the sentence, not inside it: Polish declines the name
("utworzone przez Annę"), which a sentence built around a name cannot do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Event types shown on the dashboard, by prefix, and the module each needs. `stock.reserved`
# and `stock.updated` are left out: one per order or stock movement, they would drown the
# rest (the stock pages show the movements).
HIDDEN_TYPES = ("stock.reserved", "stock.updated")
MODULE_OF_PREFIX = {
    "order.": "@orders",
    "quote.": "@quotes",
    "stock.": "@stock",
    "customer.": "@customers",
}
# entity.* events: the module of each entity type (others are settings, always shown).
MODULE_OF_ENTITY = {
    "order": "@orders",
    "quote": "@quotes",
    "customer": "@customers",
    "product": "@products",
    "warehouse": "@stock",
}

MESSAGES: Mapping[str, Promise] = {
    "order.created": _("Order %(number)s created"),
    "order.confirmed": _("Order %(number)s confirmed"),
    "order.in_progress": _("Order %(number)s in progress"),
    "order.shipped": _("Order %(number)s shipped"),
    "order.delivered": _("Order %(number)s delivered"),
    "order.cancelled": _("Order %(number)s cancelled"),
    "quote.created": _("Quote %(number)s created"),
    "quote.sent": _("Quote %(number)s sent"),
    "quote.accepted": _("Quote %(number)s accepted"),
    "quote.rejected": _("Quote %(number)s rejected"),
    "quote.expired": _("Quote %(number)s expired"),
    "customer.created": _("Customer %(name)s added"),
    # A platform admin in the panel as one of the tenant's admins (docs/platform.md).
    "staff.impersonated": _("Platform admin %(platform_admin)s signed in as %(email)s"),
    "staff.impersonation_ended": _(
        "Platform admin %(platform_admin)s's session as %(email)s ended"
    ),
    "customer.updated": _("Customer %(name)s updated"),
    "stock.low": _("Low stock: %(product_name)s (%(warehouse_code)s)"),
}

ENTITY_MESSAGES: Mapping[tuple[str, str], Promise] = {
    ("entity.updated", "order"): _("Order %(number)s changed"),
    ("entity.updated", "quote"): _("Quote %(number)s changed"),
    ("entity.deleted", "customer"): _("Customer %(name)s deleted"),
    ("entity.created", "product"): _("Product %(code)s %(name)s added"),
    ("entity.updated", "product"): _("Product %(code)s %(name)s changed"),
    ("entity.deleted", "product"): _("Product %(code)s %(name)s deleted"),
    ("entity.created", "user"): _("User %(email)s added"),
    ("entity.updated", "user"): _("User %(email)s changed"),
    ("entity.deleted", "user"): _("User %(email)s deleted"),
    ("entity.created", "warehouse"): _("Warehouse %(name)s added"),
    ("entity.updated", "warehouse"): _("Warehouse %(name)s changed"),
    ("entity.deleted", "warehouse"): _("Warehouse %(name)s deleted"),
}

# What an entity is called when its event has no sentence of its own.
ENTITY_CHANGED: Mapping[str, Promise] = {
    "order": _("Order changed"),
    "quote": _("Quote changed"),
    "customer": _("Customer changed"),
    "product": _("Product changed"),
    "user": _("User changed"),
    "warehouse": _("Warehouse changed"),
    "stock_level": _("Stock changed"),
}
SETTINGS_ENTITIES = frozenset(
    {"tenant_module", "tenant_modules", "field_config", "number_series",
     "workflow_trigger", "workflow_triggers"}
)  # fmt: skip


def describe(event_type: str, entity_type: str, payload: Any) -> str:
    """The event as a sentence in the active language."""
    values = payload if isinstance(payload, dict) else {}
    message = MESSAGES.get(event_type) or ENTITY_MESSAGES.get((event_type, entity_type))
    if message is not None:
        try:
            return str(message) % values
        except (KeyError, TypeError, ValueError):
            pass  # an older payload without the field: the generic sentence below
    if entity_type in SETTINGS_ENTITIES:
        return str(_("Settings changed"))
    if entity_type in ENTITY_CHANGED:
        return str(ENTITY_CHANGED[entity_type])
    return str(_("Event %(type)s") % {"type": event_type})
