"""What the stock pages share: the module, htmx, the product a page is about."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dockpulse.web.access import can, module_on
from dockpulse.web.templatetags.panel import qty
from tenant_apps.products import selectors as products
from tenant_apps.products.models import Product
from tenant_apps.stock.forms import parse_uuid
from tenant_apps.stock.services.common import MODULE

__all__ = ["MODULE", "chosen_product", "htmx", "links", "quantity_text", "safe_next"]


def htmx(request: HttpRequest) -> Any:
    return getattr(request, "htmx", None)


def chosen_product(raw: Any) -> Product | None:
    """The product a query string or a form names (None: none, or not this tenant's)."""
    pk = parse_uuid(raw) if raw else None
    if pk is None:
        return None
    try:
        return products.product_get(pk)
    except Product.DoesNotExist:
        return None


def quantity_text(value: Decimal, unit: str, *, signed: bool = False) -> str:
    """A quantity as the page writes it ("1 234,5 kg"), signed for a change ("+5 szt")."""
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{qty(value)}\xa0{unit}"


def _mounted(url_name: str) -> bool:
    try:
        reverse(url_name, args=[uuid.UUID(int=0)])
    except NoReverseMatch:
        return False
    return True


def links(request: HttpRequest) -> dict[str, bool]:
    """Which other apps' pages the stock pages may link to (mounted, their module on, the
    role may read them)."""
    return {
        "products_on": module_on(request, "@products")
        and can(request.user, "products")
        and _mounted("products:detail"),
        "orders_on": module_on(request, "@orders")
        and can(request.user, "orders")
        and _mounted("sales:order_detail"),
    }


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` the form posted if it is a path of this site, else `fallback`."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return fallback
