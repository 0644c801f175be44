"""Filters for notification templates (`{% load notify %}`; see templates.py).

Payloads carry amounts and dates as JSON strings; these show them the way the active
language writes them ("183.83" is "183,83" in Polish).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.template import Library
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import number_format

register = Library()


@register.filter
def money(value: Any, currency: str = "") -> str:
    """`{{ payload.total_gross|money:currency }}` -> "183.83 PLN" (two decimals, localised)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    text = number_format(amount, decimal_pos=2, use_l10n=True)
    return f"{text} {currency}" if currency else text


@register.filter
def as_date(value: Any) -> date | datetime | str:
    """An ISO date or date-time string as a date object, for the `date` filter:
    `{{ payload.delivery_date|as_date|date:"DATE_FORMAT" }}`. Anything else comes back as
    given, so a bad value shows as itself instead of failing the whole message."""
    if isinstance(value, date):  # datetime is a date too
        return value
    if not isinstance(value, str) or not value:
        return "" if value is None else str(value)
    try:
        return parse_date(value) or parse_datetime(value) or value
    except ValueError:
        return value


@register.filter
def shorten(value: Any, length: int) -> str:
    """Cut to `length` characters with "..." (three dots, not "…": the ellipsis is outside
    the GSM 7-bit alphabet and would halve an SMS to 70 characters)."""
    text = "" if value is None else str(value)
    try:
        limit = int(length)
    except (TypeError, ValueError):
        return text
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 0)].rstrip() + "..."
