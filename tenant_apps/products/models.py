"""Products and services a tenant sells."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PIECE = "szt", _("piece (szt)")
    KILOGRAM = "kg", _("kilogram (kg)")
    TONNE = "t", _("tonne (t)")
    METRE = "m", _("metre (m)")
    SQUARE_METRE = "m2", _("square metre (m2)")
    CUBIC_METRE = "m3", _("cubic metre (m3)")
    LITRE = "l", _("litre (l)")
    HOUR = "h", _("hour (h)")
    SET = "kpl", _("set (kpl)")
    PACK = "op", _("pack (op)")
    KILOMETRE = "km", _("kilometre (km)")


class VatRate(models.TextChoices):
    STANDARD = "23", "23%"
    REDUCED_8 = "8", "8%"
    REDUCED_5 = "5", "5%"
    ZERO = "0", "0%"
    EXEMPT = "zw", _("exempt (zw)")


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    # Net unit price in the tenant's currency.
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    vat_rate = models.CharField(
        _("VAT rate"), max_length=3, choices=VatRate.choices, default=VatRate.STANDARD
    )
    is_active = models.BooleanField(_("active"), default=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "products"
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=Decimal("0")), name="products_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
