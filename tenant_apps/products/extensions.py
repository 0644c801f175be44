"""What the products app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dockpulse import extensions
from dockpulse.extensions import EVERYONE, MANAGERS, SearchHit

from . import selectors
from .api import ProductViewSet

extensions.resource("products", read=EVERYONE, write=MANAGERS)

extensions.api_route("products", ProductViewSet, basename="product")

extensions.configurable_fields(
    "product",
    configurable=("description", "category", "unit", "vat_rate", "is_active"),
    core=("code", "name", "price"),
)

# --- the staff panel ------------------------------------------------------------------


def _find(query: str, limit: int) -> list[SearchHit]:
    # Code and name are core fields: never ones the tenant hid.
    return [
        SearchHit(
            title=product.name,
            detail=product.code,
            url=reverse("products:detail", args=[product.pk]),
        )
        for product in selectors.product_search(query, limit)
    ]


extensions.nav_entry(
    "products",
    label=_("Products"),
    url_name="products:list",
    order=20,
    module="@products",
    resource="products",
)
extensions.search_provider(
    "products",
    label=_("Products"),
    find=_find,
    order=20,
    module="@products",
    resource="products",
)
