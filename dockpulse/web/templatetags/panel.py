"""Money, numbers and changes as the active language writes them.

`{{ total|money }}` is "1 234,56 zł" in Polish and "PLN 1,234.56" in English;
`{{ n|num }}` groups thousands ("12 345"), `{{ q|qty }}` shows a quantity without
trailing zeros ("2,5"), `{% change now before %}` the signed change in per cent.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

register = template.Library()

_SYMBOLS_PL = {"PLN": "zł"}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value: Any, currency: str = "PLN") -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    text = number_format(amount.quantize(Decimal("0.01")), 2, force_grouping=True)
    currency = currency or "PLN"
    if (get_language() or "en").startswith("pl"):
        return f"{text}\xa0{_SYMBOLS_PL.get(currency, currency)}"
    return f"{currency}\xa0{text}"


@register.filter
def num(value: Any, places: int = 0) -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    return number_format(amount, int(places), force_grouping=True)


@register.filter
def qty(value: Any) -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    normalized = amount.normalize()
    places = max(0, -normalized.as_tuple().exponent)  # type: ignore[operator]
    return number_format(normalized, places, force_grouping=True)


@register.simple_tag
def change(now: Any, before: Any) -> dict[str, Any]:
    """The change from `before` to `now`: {"pct": "+12", "direction": "up"|"down"|"flat"},
    or pct None when there is nothing to compare with (before was zero)."""
    current, previous = _decimal(now) or Decimal(0), _decimal(before) or Decimal(0)
    if previous == 0:
        direction = "up" if current > 0 else "flat"
        return {"pct": None, "direction": direction}
    pct = ((current - previous) / previous * 100).quantize(Decimal("1"))
    direction = "up" if pct > 0 else "down" if pct < 0 else "flat"
    sign = "+" if pct > 0 else ""
    return {"pct": f"{sign}{number_format(pct, 0, force_grouping=True)}", "direction": direction}
