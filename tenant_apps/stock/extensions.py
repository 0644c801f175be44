"""What the stock app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from dockpulse import extensions
from dockpulse.extensions import EVERYONE, MANAGERS

from .api import StockLevelViewSet, StockMovementViewSet, StockOperationViewSet, WarehouseViewSet

extensions.resource("stock", read=EVERYONE, write=MANAGERS)

extensions.event_types("stock.reserved", "stock.low", "stock.updated", app="stock")

extensions.api_route("warehouses", WarehouseViewSet, basename="warehouse")
extensions.api_route("stock/levels", StockLevelViewSet, basename="stock-level")
extensions.api_route("stock/movements", StockMovementViewSet, basename="stock-movement")
# receive/, adjust/: after the prefixes under it, which a router would otherwise hand to it.
extensions.api_route("stock", StockOperationViewSet, basename="stock", order=110)
