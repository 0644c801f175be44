"""What the products app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from dockpulse import extensions
from dockpulse.extensions import EVERYONE, MANAGERS

from .api import ProductViewSet

extensions.resource("products", read=EVERYONE, write=MANAGERS)

extensions.api_route("products", ProductViewSet, basename="product")

extensions.configurable_fields(
    "product",
    configurable=("description", "category", "unit", "vat_rate", "is_active"),
    core=("code", "name", "price"),
)
