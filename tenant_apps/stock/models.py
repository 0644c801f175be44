"""Warehouses, stock levels, reservations for order lines and the movement ledger.

Quantities are Decimal in the product's own unit (three places, like order lines). The
database keeps the numbers honest whatever the code does: CHECK constraints hold
0 <= reserved <= on_hand on every level, a partial unique index allows one default
warehouse, and a trigger (migration 0001) refuses UPDATE and DELETE on the ledger.
See docs/stock.md for the locking and reservation rules.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")


class Warehouse(models.Model):
    """A place that holds stock. Exactly one is the default (reservations come from it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=255)
    address = models.TextField(_("address"), blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "warehouses"
        ordering = ["-is_default", "code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            # At most one default; services.warehouse_default() makes it exactly one.
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="warehouses_one_default",
            ),
            models.CheckConstraint(
                condition=models.Q(is_default=False) | models.Q(is_active=True),
                name="warehouses_default_is_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockLevel(models.Model):
    """How much of one product one warehouse holds, and how much of it orders hold."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="stock_levels",
        verbose_name=_("product"),
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="levels", verbose_name=_("warehouse")
    )
    on_hand = models.DecimalField(_("on hand"), max_digits=12, decimal_places=3, default=ZERO)
    reserved = models.DecimalField(_("reserved"), max_digits=12, decimal_places=3, default=ZERO)
    # Available stock below this raises `stock.low` (once per downward crossing); 0 = off.
    low_stock_threshold = models.DecimalField(
        _("low stock threshold"), max_digits=12, decimal_places=3, default=ZERO
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "stock_levels"
        ordering = ["product__code", "warehouse__code"]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"], name="stock_levels_product_warehouse_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0), name="stock_levels_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__lte=models.F("on_hand")),
                name="stock_levels_reserved_within_on_hand",
            ),
            models.CheckConstraint(
                condition=models.Q(low_stock_threshold__gte=0),
                name="stock_levels_threshold_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} @ {self.warehouse.code}"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        return self.available < self.low_stock_threshold


class StockReservation(models.Model):
    """What one order line holds of a stock level, and what it still lacks (backordered).

    One row per order line (the line's OneToOne), written when `order.created` is handled.
    `quantity` is held while active; on cancel it is given back (released), on shipment
    taken out of stock (consumed). `stock_level` is empty when the default warehouse has
    no level for the product: the whole line is backordered.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")
        CONSUMED = "consumed", _("Consumed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(
        "sales.Order",
        on_delete=models.PROTECT,
        related_name="stock_reservations",
        verbose_name=_("order"),
    )
    # Emptied (not deleted) when a new order's lines are replaced; the stock handler of
    # `entity.updated` then releases it.
    order_line = models.OneToOneField(
        "sales.OrderLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stock_reservation",
        verbose_name=_("order line"),
    )
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    stock_level = models.ForeignKey(
        StockLevel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("stock level"),
    )
    quantity = models.DecimalField(
        _("reserved quantity"), max_digits=12, decimal_places=3, default=ZERO
    )
    backordered = models.DecimalField(
        _("backordered"), max_digits=12, decimal_places=3, default=ZERO
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "stock_reservations"
        ordering = ["created_at"]
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="stock_reservations_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(backordered__gte=0),
                name="stock_reservations_backordered_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(stock_level__isnull=False) | models.Q(quantity=0),
                name="stock_reservations_quantity_needs_level",
            ),
        ]
        indexes = [
            models.Index(fields=["order", "status"], name="idx_stock_res_order_status"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} ({self.get_status_display()})"


class StockMovement(models.Model):
    """The ledger: one row per change of a level, never changed or deleted afterwards.

    Summing `on_hand_change` (and `reserved_change`) over a level's movements gives its
    on_hand (and reserved); `*_after` are the level's numbers right after the movement.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        ADJUSTMENT = "adjustment", _("Adjustment")
        RESERVATION = "reservation", _("Reservation")
        RELEASE = "release", _("Release")
        SHIPMENT = "shipment", _("Shipment")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stock_level = models.ForeignKey(
        StockLevel, on_delete=models.PROTECT, related_name="movements", verbose_name=_("level")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    on_hand_change = models.DecimalField(
        _("on hand change"), max_digits=12, decimal_places=3, default=ZERO
    )
    reserved_change = models.DecimalField(
        _("reserved change"), max_digits=12, decimal_places=3, default=ZERO
    )
    on_hand_after = models.DecimalField(_("on hand after"), max_digits=12, decimal_places=3)
    reserved_after = models.DecimalField(_("reserved after"), max_digits=12, decimal_places=3)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # A delivery note, an invoice, or the order's number.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    order = models.ForeignKey(
        "sales.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
        verbose_name=_("order"),
    )
    reservation = models.ForeignKey(
        StockReservation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("reservation"),
    )
    actor_id = models.UUIDField(_("actor id"), null=True, blank=True)
    actor_type = models.CharField(_("actor type"), max_length=20)
    # Kept as text: the ledger must still say who it was after the user is deleted.
    actor_name = models.CharField(_("who"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        db_table = "stock_movements"
        ordering = ["-created_at"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(on_hand_change=0, reserved_change=0),
                name="stock_movements_changes_something",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    reserved_after__gte=0, on_hand_after__gte=models.F("reserved_after")
                ),
                name="stock_movements_after_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["stock_level", "created_at"], name="idx_stock_mov_level_time"),
            models.Index(fields=["created_at"], name="idx_stock_movements_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on_hand_change:+} / {self.reserved_change:+}"
