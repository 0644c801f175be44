"""Reads of stock, with what their lists show fetched up front (constant query counts)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db.models import F, QuerySet

from tenant_apps.sales.line_stock import NOTHING, LineStock
from tenant_apps.sales.models import OrderLine

from .models import StockLevel, StockMovement, StockReservation, Warehouse


def warehouse_list(*, active: bool | None = None) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.order_by("-is_default", "code")
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def level_list(
    *,
    product: uuid.UUID | None = None,
    warehouse: uuid.UUID | None = None,
    low: bool | None = None,
) -> QuerySet[StockLevel]:
    """Levels with their product and warehouse; `low`: available below the threshold."""
    qs = StockLevel.objects.select_related("product", "warehouse")
    if product:
        qs = qs.filter(product_id=product)
    if warehouse:
        qs = qs.filter(warehouse_id=warehouse)
    # available < threshold  <=>  on_hand < reserved + threshold (no annotation needed)
    is_low = {"on_hand__lt": F("reserved") + F("low_stock_threshold")}
    if low is True:
        qs = qs.filter(**is_low)
    elif low is False:
        qs = qs.exclude(**is_low)
    return qs.order_by("product__code", "warehouse__code", "pk")


def level_get(level_id: uuid.UUID | str) -> StockLevel:
    return level_list().get(pk=level_id)


def movement_list(
    *,
    product: uuid.UUID | None = None,
    warehouse: uuid.UUID | None = None,
    kind: str = "",
    order: uuid.UUID | None = None,
) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("stock_level__product", "stock_level__warehouse")
    if product:
        qs = qs.filter(stock_level__product_id=product)
    if warehouse:
        qs = qs.filter(stock_level__warehouse_id=warehouse)
    if kind:
        qs = qs.filter(kind__in=kind.split(","))
    if order:
        qs = qs.filter(order_id=order)
    return qs.order_by("-created_at", "-pk")


def movement_get(movement_id: uuid.UUID | str) -> StockMovement:
    return movement_list().get(pk=movement_id)


# --- order lines -------------------------------------------------------------------------
# What the orders API shows per line (provided to tenant_apps.sales.line_stock by the
# handlers module at start-up). The sales selector fetches each line's reservation with
# these relations, so the list needs no extra query per line.

LINE_RELATIONS = ("stock_reservation",)


def line_reservation(line: OrderLine) -> StockReservation | None:
    """The line's reservation, if stock has handled it (None: module off, free-text line,
    or `order.created` not handled yet)."""
    try:
        return getattr(line, "stock_reservation", None)
    except StockReservation.DoesNotExist:
        return None


def line_figures(line: OrderLine) -> LineStock:
    """(reserved, backordered, status) of an order line.

    Active: what is held and what is missing. Released (cancelled) or consumed (shipped):
    nothing is held or awaited any more, so both are 0. No reservation: all None.
    """
    reservation = line_reservation(line)
    if reservation is None:
        return NOTHING
    if reservation.status == StockReservation.Status.ACTIVE:
        return LineStock(reservation.quantity, reservation.backordered, reservation.status)
    zero = Decimal("0.000")
    return LineStock(zero, zero, reservation.status)
