"""Writes of the sales domain (orders, quotes, numbering); see the modules for the rules."""

from .numbering import number_series_set
from .orders import TRANSITIONS, allowed_next, order_create, order_transition, order_update
from .quotes import (
    quote_accept,
    quote_create,
    quote_reject,
    quote_send,
    quote_update,
    quotes_expire,
)

__all__ = [
    "TRANSITIONS",
    "allowed_next",
    "number_series_set",
    "order_create",
    "order_transition",
    "order_update",
    "quote_accept",
    "quote_create",
    "quote_reject",
    "quote_send",
    "quote_update",
    "quotes_expire",
]
