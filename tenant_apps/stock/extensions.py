"""What the stock app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dockpulse import extensions
from dockpulse.extensions import EVERYONE, MANAGERS

from .api import StockLevelViewSet, StockMovementViewSet, StockOperationViewSet, WarehouseViewSet

# Receiving a delivery is a warehouse employee's daily work, and the goods explain the
# change; adjusting (writing stock off), thresholds and warehouses stay with managers.
# The API's receive/ endpoint is the view action "receive", so it takes this same row.
extensions.resource("stock", read=EVERYONE, write=MANAGERS, receive=EVERYONE)

extensions.event_types(
    "stock.reserved",
    "stock.low",
    "stock.updated",
    app="stock",
    labels={
        "stock.reserved": _("Stock reserved"),
        "stock.low": _("Stock low"),
        "stock.updated": _("Stock changed"),
    },
)

extensions.api_route("warehouses", WarehouseViewSet, basename="warehouse")
extensions.api_route("stock/levels", StockLevelViewSet, basename="stock-level")
extensions.api_route("stock/movements", StockMovementViewSet, basename="stock-movement")
# receive/, adjust/: after the prefixes under it, which a router would otherwise hand to it.
extensions.api_route("stock", StockOperationViewSet, basename="stock", order=110)

# --- the staff panel ------------------------------------------------------------------

extensions.nav_entry(
    "stock",
    label=_("Stock"),
    url_name="stock:levels",
    order=50,
    module="@stock",
    resource="stock",
)
# The product page's "Stock" section: the product's levels, a fragment of this app (the
# products app must not import stock).
extensions.detail_section(
    "product",
    "stock",
    label=_("Stock"),
    url_name="stock:product_levels",
    order=10,
    module="@stock",
    resource="stock",
)
