"""Writes of stock (docs/stock.md): `warehouses`, `receipts` (receipts, adjustments,
thresholds), `reservations` (an order's stock) over one `ledger`.

Inside the app, import from the sub-modules; the names below are the app's service API
for the rest of the project.
"""

from .common import MODULE, stock_enabled
from .receipts import stock_adjust, stock_level_update, stock_receive
from .reservations import stock_consume_order, stock_release_order, stock_reserve_order
from .warehouses import (
    WarehouseChanges,
    WarehouseInput,
    warehouse_create,
    warehouse_default,
    warehouse_delete,
    warehouse_update,
)

__all__ = [
    "MODULE",
    "WarehouseChanges",
    "WarehouseInput",
    "stock_adjust",
    "stock_consume_order",
    "stock_enabled",
    "stock_level_update",
    "stock_receive",
    "stock_release_order",
    "stock_reserve_order",
    "warehouse_create",
    "warehouse_default",
    "warehouse_delete",
    "warehouse_update",
]
