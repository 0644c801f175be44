"""The portal's menu: one list, in the order customers see it on a phone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

register = template.Library()


@dataclass(frozen=True, slots=True)
class Entry:
    label: str | Promise
    url: str
    current: bool = False


MENU: tuple[tuple[str, str | Promise], ...] = (
    ("portal:home", _("Home")),
    ("portal:orders", _("Orders")),
    ("portal:order_new", _("New order")),
    ("portal:quotes", _("Quotes")),
    ("portal:messages", _("Messages")),
    ("portal:profile", _("Profile")),
)


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # a page not built is not offered
        return None


@register.simple_tag(takes_context=True)
def portal_menu(context: dict[str, Any]) -> list[Entry]:
    """The menu, the entry being looked at marked current: the one whose URL is the
    longest prefix of this page's (an order's detail is under Orders, /orders/new/ is
    New order, and only the home page is Home)."""
    request = context.get("request")
    here = request.path if request is not None else ""
    found = [(label, url) for name, label in MENU if (url := _url(name)) is not None]
    home = found[0][1] if found else ""
    matches = [
        url for _label, url in found if here == url or (url != home and here.startswith(url))
    ]
    current = max(matches, key=len, default="")
    return [Entry(label, url, url == current) for label, url in found]
