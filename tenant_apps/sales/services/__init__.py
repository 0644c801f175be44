"""Writes of the sales domain (orders, quotes, numbering); see the modules for the rules.

Values come cleaned and typed (`sales.inputs` builds them from what the API or the admin
received); every write names its `dockpulse.actors.Actor`.
"""

from .lines import LineInput
from .numbering import number_series_set
from .orders import (
    ASSIGN_ACTOR,
    TRANSITIONS,
    OrderChanges,
    OrderInput,
    allowed_next,
    order_create,
    order_transition,
    order_update,
)
from .quotes import (
    QuoteChanges,
    QuoteInput,
    QuoteSent,
    quote_accept,
    quote_convert,
    quote_create,
    quote_reject,
    quote_send,
    quote_update,
    quotes_expire,
)

__all__ = [
    "ASSIGN_ACTOR",
    "TRANSITIONS",
    "LineInput",
    "OrderChanges",
    "OrderInput",
    "QuoteChanges",
    "QuoteInput",
    "QuoteSent",
    "allowed_next",
    "number_series_set",
    "order_create",
    "order_transition",
    "order_update",
    "quote_accept",
    "quote_convert",
    "quote_create",
    "quote_reject",
    "quote_send",
    "quote_update",
    "quotes_expire",
]
