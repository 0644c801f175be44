"""Reads of stock, with what their lists show fetched up front (constant query counts)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from tenant_apps.sales.line_stock import NOTHING, LineStock
from tenant_apps.sales.models import OrderLine

from .models import StockLevel, StockMovement, StockReservation, Warehouse


def warehouse_list(*, active: bool | None = None) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.order_by("-is_default", "code")
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def warehouse_get(warehouse_id: uuid.UUID | str) -> Warehouse:
    """The warehouse, or Warehouse.DoesNotExist."""
    return Warehouse.objects.get(pk=warehouse_id)


def level_list(
    *,
    product: uuid.UUID | None = None,
    warehouse: uuid.UUID | None = None,
    low: bool | None = None,
    search: str = "",
) -> QuerySet[StockLevel]:
    """Levels with their product and warehouse; `low`: available below the threshold;
    `search`: the product's code or name contains it. `free` (available) is annotated so a
    list can sort by it."""
    qs = StockLevel.objects.select_related("product", "warehouse").annotate(
        free=F("on_hand") - F("reserved")
    )
    if product:
        qs = qs.filter(product_id=product)
    if warehouse:
        qs = qs.filter(warehouse_id=warehouse)
    if search:
        qs = qs.filter(Q(product__code__icontains=search) | Q(product__name__icontains=search))
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
    order_number: str = "",
    search: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
) -> QuerySet[StockMovement]:
    """The ledger, newest first, with the level's product and warehouse and the order.

    `kind`: one or more, comma-separated; `search`: the product's code or name contains it;
    the dates are days of the active time zone (the tenant's), both included.
    """
    qs = StockMovement.objects.select_related(
        "stock_level__product", "stock_level__warehouse", "order"
    )
    if product:
        qs = qs.filter(stock_level__product_id=product)
    if warehouse:
        qs = qs.filter(stock_level__warehouse_id=warehouse)
    if kind:
        qs = qs.filter(kind__in=kind.split(","))
    if order:
        qs = qs.filter(order_id=order)
    if order_number:
        qs = qs.filter(order__number__iexact=order_number)
    if search:
        qs = qs.filter(
            Q(stock_level__product__code__icontains=search)
            | Q(stock_level__product__name__icontains=search)
        )
    # Bounds as instants (not `created_at__date`), so the index on created_at answers.
    if created_from:
        qs = qs.filter(created_at__gte=_day_start(created_from))
    if created_to:
        qs = qs.filter(created_at__lt=_day_start(created_to + timedelta(days=1)))
    return qs.order_by("-created_at", "-pk")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


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
