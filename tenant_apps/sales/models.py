"""Orders and quotes: documents with numbered headers, line rows and server-side totals.

The seed keeps lines and status history as JSON in the document row; here they are rows
(`order_lines`, `quote_lines`, `order_status_changes`) so that stock can reserve per line,
reports can sum in SQL and the history cannot be rewritten by an update of the order.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenant_apps.products.models import Unit, VatRate


class DocumentType(models.TextChoices):
    ORDER = "order", _("Order")
    QUOTE = "quote", _("Quote")


class Source(models.TextChoices):
    ADMIN = "admin", _("Staff panel")
    PORTAL = "portal", _("Customer portal")
    API = "api", _("API")


class NumberSeries(models.Model):
    """A tenant's numbering pattern for one document type (defaults apply without a row)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document_type = models.CharField(
        _("document type"), max_length=20, choices=DocumentType.choices, unique=True
    )
    pattern = models.CharField(_("pattern"), max_length=60)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "number_series"
        verbose_name = _("number series")
        verbose_name_plural = _("number series")

    def __str__(self) -> str:
        return f"{self.get_document_type_display()}: {self.pattern}"


class DocumentCounter(models.Model):
    """The last number given in one scope ("ZAM-2026-#"): a row lock makes numbers gapless."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document_type = models.CharField(max_length=20, choices=DocumentType.choices)
    scope = models.CharField(max_length=80)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "document_counters"
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "scope"], name="document_counters_type_scope_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} = {self.last_value}"


def _line_checks(table: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(quantity__gt=0), name=f"{table}_quantity_positive"
        ),
        models.CheckConstraint(
            condition=models.Q(unit_price__gte=0), name=f"{table}_price_not_negative"
        ),
        models.CheckConstraint(
            condition=models.Q(discount__gte=0, discount__lte=100), name=f"{table}_discount_0_100"
        ),
    ]


class Totals(models.Model):
    total_net = models.DecimalField(_("net total"), max_digits=14, decimal_places=2, default=0)
    total_vat = models.DecimalField(_("VAT total"), max_digits=14, decimal_places=2, default=0)
    total_gross = models.DecimalField(_("gross total"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        abstract = True


class LineBase(Totals):
    """One row of a document; its totals are computed by services.lines, never typed in."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=255)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    unit_price = models.DecimalField(_("unit net price"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    vat_rate = models.CharField(_("VAT rate"), max_length=3, choices=VatRate.choices)

    class Meta:
        abstract = True
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class Document(Totals):
    """What orders and quotes share: a number, a customer, who handles it, notes, totals."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("number"), max_length=50, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        verbose_name=_("customer"),
    )
    # The seed's user_id: the staff member handling the document.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_column="user_id",
        related_name="assigned_%(class)ss",
        verbose_name=_("handled by"),
    )
    notes = models.TextField(_("notes"), blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number


class Order(Document):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONFIRMED = "confirmed", _("Confirmed")
        IN_PROGRESS = "in_progress", _("In progress")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    delivery_address = models.JSONField(_("delivery address"), default=dict, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ADMIN
    )

    class Meta:
        db_table = "orders"
        ordering = ["-created_at", "-number"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["status"], name="idx_orders_status"),
            models.Index(fields=["created_at"], name="idx_orders_created"),
        ]


class OrderLine(LineBase):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")

    class Meta(LineBase.Meta):
        db_table = "order_lines"
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = _line_checks("order_lines")


class OrderStatusChange(models.Model):
    """The order's history: append-only, one row per transition (and one for creation)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    note = models.TextField(_("note"), blank=True)
    actor_id = models.UUIDField(_("actor id"), null=True, blank=True)
    actor_type = models.CharField(_("actor type"), max_length=20)
    # Kept as text: the history must still say who it was after the user is deleted.
    actor_name = models.CharField(_("who"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        db_table = "order_status_changes"
        ordering = ["created_at"]
        verbose_name = _("status change")
        verbose_name_plural = _("status history")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


# The longest User-Agent a decision record keeps (browsers send 100-300 characters).
USER_AGENT_MAX_LENGTH = 500


class Quote(Document):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    valid_until = models.DateField(_("valid until"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # The acceptance record the quote's PDF prints: who accepted it (the customer's name,
    # or the staff member who recorded it on the customer's behalf), through which channel
    # and from which address. Kept as text, like the order history's names.
    # db_default: rows written by COPY (seed_demo's bulk load) that name no acceptance.
    accepted_by = models.CharField(_("accepted by"), max_length=255, blank=True, db_default="")
    accepted_via = models.CharField(
        _("accepted through"), max_length=20, choices=Source.choices, blank=True, db_default=""
    )
    accepted_ip = models.GenericIPAddressField(_("accepted from"), null=True, blank=True)
    # The browser the decision came from (its User-Agent header, cut to
    # USER_AGENT_MAX_LENGTH) and the checksum of the quote as it was shown when deciding
    # (tenant_apps.sales.documents.checksum): what the customer agreed to, provably.
    accepted_user_agent = models.CharField(
        _("accepted with browser"), max_length=USER_AGENT_MAX_LENGTH, blank=True, db_default=""
    )
    accepted_checksum = models.CharField(
        _("checksum of the accepted quote"), max_length=64, blank=True, db_default=""
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    # The same record for a rejection. A quote gets one decision, so one side stays
    # empty; two named sets keep each column's meaning independent of the status
    # (docs/sales.md, "The decision record").
    rejected_by = models.CharField(_("rejected by"), max_length=255, blank=True, db_default="")
    rejected_via = models.CharField(
        _("rejected through"), max_length=20, choices=Source.choices, blank=True, db_default=""
    )
    rejected_ip = models.GenericIPAddressField(_("rejected from"), null=True, blank=True)
    rejected_user_agent = models.CharField(
        _("rejected with browser"), max_length=USER_AGENT_MAX_LENGTH, blank=True, db_default=""
    )
    rejected_checksum = models.CharField(
        _("checksum of the rejected quote"), max_length=64, blank=True, db_default=""
    )
    # One quote makes at most one order: the database says so too.
    order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quote",
        verbose_name=_("resulting order"),
    )

    class Meta:
        db_table = "quotes"
        ordering = ["-created_at", "-number"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [
            models.Index(fields=["status", "valid_until"], name="idx_quotes_status_valid"),
        ]


class QuoteLine(LineBase):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta(LineBase.Meta):
        db_table = "quote_lines"
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        constraints = _line_checks("quote_lines")
