"""Django admin for stock: every write goes through the services (locks, ledger, events).

Warehouses are edited through the warehouse services; a level's only hand-set field is its
low-stock threshold; receipts and adjustments are "add stock movement"; the ledger and the
reservations are read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dockpulse.actors import Actor
from dockpulse.admin_sites import (
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    ServiceValidatedForm,
    tenant_admin_site,
)
from tenant_apps.products.models import Product

from . import inputs
from .models import StockLevel, StockMovement, StockReservation, Warehouse
from .services.receipts import stock_adjust, stock_level_update, stock_receive
from .services.warehouses import (
    WAREHOUSE_FIELDS,
    warehouse_create,
    warehouse_delete,
    warehouse_update,
)


def _actor(who: Any) -> Actor:
    """ServiceAdminMixin hands over the request's user; the services take an Actor."""
    return who if isinstance(who, Actor) else inputs.staff(who)


class WarehouseForm(ServiceValidatedForm):
    class Meta:
        model = Warehouse
        fields = list(WAREHOUSE_FIELDS)

    def service_check(self, cleaned: dict[str, Any], instance: Any) -> None:
        values = {n: cleaned.get(n) for n in WAREHOUSE_FIELDS}
        if instance is None:
            inputs.warehouse_input(values)
        else:
            inputs.warehouse_changes(values, warehouse=instance)


@admin.register(Warehouse, site=tenant_admin_site)
class WarehouseAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = WarehouseForm
    list_display = ["code", "name", "is_default", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    readonly_fields = ["created_at", "updated_at"]

    def service_data(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {name: cleaned[name] for name in WAREHOUSE_FIELDS}

    def service_create(self, data: dict[str, Any], actor: Any) -> Warehouse:
        return warehouse_create(values=inputs.warehouse_input(data), actor=_actor(actor))

    def service_update(self, obj: Warehouse, data: dict[str, Any], actor: Any) -> Warehouse:
        changes = inputs.warehouse_changes(data, warehouse=obj)
        return warehouse_update(warehouse=obj, changes=changes, actor=_actor(actor))

    def service_delete(self, obj: Warehouse, actor: Any) -> None:
        warehouse_delete(warehouse=obj, actor=_actor(actor))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (obj.is_default or obj.levels.exists()):
            return False
        return super().has_delete_permission(request, obj)


class StockLevelForm(forms.ModelForm):
    class Meta:
        model = StockLevel
        fields = ["low_stock_threshold"]

    def clean_low_stock_threshold(self) -> Any:
        try:
            return inputs.parse_threshold(self.cleaned_data["low_stock_threshold"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


@admin.register(StockLevel, site=tenant_admin_site)
class StockLevelAdmin(admin.ModelAdmin):
    form = StockLevelForm
    list_display = ["product", "warehouse", "on_hand", "reserved", "available",
                    "low_stock_threshold"]  # fmt: skip
    list_filter = ["warehouse"]
    search_fields = ["product__code", "product__name"]
    list_select_related = ["product", "warehouse"]
    fields = ["product", "warehouse", "on_hand", "reserved", "available", "low_stock_threshold",
              "updated_at"]  # fmt: skip
    readonly_fields = ["product", "warehouse", "on_hand", "reserved", "available", "updated_at"]

    @admin.display(description=_("available"))
    def available(self, obj: StockLevel) -> Any:
        return obj.available

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # levels are made by receipts ("add stock movement")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fresh = StockLevel.objects.get(pk=obj.pk)
        stock_level_update(
            level=fresh,
            low_stock_threshold=form.cleaned_data["low_stock_threshold"],
            actor=inputs.staff(request.user),
        )


class MovementForm(forms.ModelForm):
    """Adding a movement by hand is a receipt or an adjustment, made by the service."""

    operation = forms.ChoiceField(
        label=_("operation"),
        choices=[
            (StockMovement.Kind.RECEIPT, StockMovement.Kind.RECEIPT.label),
            (StockMovement.Kind.ADJUSTMENT, StockMovement.Kind.ADJUSTMENT.label),
        ],
    )
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.none())
    warehouse = forms.ModelChoiceField(
        label=_("warehouse"),
        queryset=Warehouse.objects.none(),
        required=False,
        help_text=_("The default warehouse when left empty."),
    )
    quantity = forms.CharField(
        label=_("quantity"), help_text=_("Receipts: more than zero. Adjustments: + or -.")
    )
    reason = forms.CharField(label=_("reason"), max_length=255)
    reference = forms.CharField(label=_("reference"), max_length=100, required=False)

    class Meta:
        model = StockMovement
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Querysets are built per request, in the tenant's context.
        self.fields["product"].queryset = Product.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["warehouse"].queryset = Warehouse.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        )

    operation_input: inputs.Operation | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            self.operation_input = inputs.clean_operation(
                product=cleaned.get("product"),
                warehouse=cleaned.get("warehouse"),
                quantity=cleaned.get("quantity"),
                reason=cleaned.get("reason"),
                reference=cleaned.get("reference") or "",
                signed=cleaned.get("operation") == StockMovement.Kind.ADJUSTMENT,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return cleaned


@admin.register(StockMovement, site=tenant_admin_site)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "stock_level", "on_hand_change", "reserved_change",
                    "on_hand_after", "reserved_after", "reference", "actor_name"]  # fmt: skip
    list_filter = ["kind", "stock_level__warehouse"]
    search_fields = ["stock_level__product__code", "stock_level__product__name", "reference",
                     "reason"]  # fmt: skip
    list_select_related = ["stock_level__product", "stock_level__warehouse"]
    date_hierarchy = "created_at"

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:  # fmt: skip
        if obj is None:
            kwargs["form"] = MovementForm
            kwargs["fields"] = ["operation", "product", "warehouse", "quantity",
                                "reason", "reference"]  # fmt: skip
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["operation", "product", "warehouse", "quantity", "reason", "reference"]
        return [f.name for f in StockMovement._meta.fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else [f.name for f in StockMovement._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # append-only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        op: inputs.Operation = form.operation_input
        call = (
            stock_adjust
            if form.cleaned_data["operation"] == StockMovement.Kind.ADJUSTMENT
            else stock_receive
        )
        saved = call(
            product=op.product, warehouse=op.warehouse, quantity=op.quantity, reason=op.reason,
            reference=op.reference, actor=inputs.staff(request.user),
        )  # fmt: skip
        for model_field in StockMovement._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(saved, model_field.attname))
        obj._state.adding, obj._state.db = False, saved._state.db


@admin.register(StockReservation, site=tenant_admin_site)
class StockReservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "order", "product", "stock_level", "quantity", "backordered",
                    "status"]  # fmt: skip
    list_filter = ["status"]
    search_fields = ["order__number", "product__code", "product__name"]
    list_select_related = ["order", "product", "stock_level__product", "stock_level__warehouse"]
