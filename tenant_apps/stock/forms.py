"""The stock pages' forms: list filters, receipts and adjustments, thresholds, warehouses.

They check shapes only. What was typed goes to `inputs.py` (the API's input layer) and the
services, whose per-field errors the views put on these fields, so a page says what the
API says.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dockpulse.web.entity_forms import FieldRules, ServiceForm
from tenant_apps.products.models import Product

from .models import StockMovement, Warehouse

PICKER_LIMIT = 8


def parse_uuid(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def warehouse_choices(warehouses: Sequence[Warehouse]) -> list[tuple[str, str]]:
    return [(str(w.pk), f"{w.code} · {w.name}") for w in warehouses]


# --- the product picker ----------------------------------------------------------------


class ProductPicker(forms.Widget):
    """Search as you type (htmx) and pick one of the matches, a radio button each.

    No giant <select>: a tenant may have thousands of products. The matches are radio
    inputs named like the field, so the form works without JavaScript too (the "Find"
    button reloads the page with the matches).
    """

    template_name = "stock/product_picker.html"
    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.chosen: Product | None = None
        self.options: list[Product] = []
        self.search = ""
        self.more = False

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # The search box is not the value (the picked radio is): never `required` itself.
        context["widget"]["attrs"].pop("required", None)
        options = [p for p in self.options if self.chosen is None or p.pk != self.chosen.pk]
        context["widget"].update(
            chosen=self.chosen,
            options=options,
            search=self.search,
            searched=bool(self.search),
            more=self.more,
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class QuantityInput(forms.TextInput):
    """A quantity with the product's unit written after it (changed by stock.js when
    another product is picked)."""

    template_name = "stock/quantity_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})
        self.unit = ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["unit"] = self.unit
        return context


class OperationForm(ServiceForm):
    """A receipt (signed=False) or an adjustment (signed=True) of one product's stock."""

    product = forms.CharField(label=_("Product"), widget=ProductPicker)
    warehouse = forms.CharField(label=_("Warehouse"), widget=forms.Select)
    quantity = forms.CharField(label=_("Quantity"), widget=QuantityInput)
    reason = forms.CharField(label=_("Note"), widget=forms.TextInput(attrs={"maxlength": 255}))
    reference = forms.CharField(
        label=_("Reference"), widget=forms.TextInput(attrs={"maxlength": 100})
    )

    def __init__(
        self,
        *args: Any,
        signed: bool,
        warehouses: Sequence[Warehouse],
        chosen: Product | None,
        options: Sequence[Product] = (),
        search: str = "",
        **kwargs: Any,
    ) -> None:
        # Marked required as the input layer requires them (it refuses them, in the API's
        # words, with every other problem at once).
        required = {"product", "quantity", *(("reason",) if signed else ())}
        super().__init__(*args, rules=FieldRules(frozenset(), frozenset(required)), **kwargs)
        self.signed = signed
        self.chosen = chosen
        picker = self.fields["product"].widget
        assert isinstance(picker, ProductPicker)
        picker.chosen, picker.search = chosen, search
        picker.options = list(options[:PICKER_LIMIT])
        picker.more = len(options) > PICKER_LIMIT
        select = self.fields["warehouse"].widget
        assert isinstance(select, forms.Select)
        select.choices = warehouse_choices(warehouses)
        quantity = self.fields["quantity"]
        assert isinstance(quantity.widget, QuantityInput)
        quantity.widget.unit = chosen.unit if chosen else ""
        if signed:
            quantity.label = _("Change (+/-)")
            quantity.help_text = _(
                "How much the count on hand changes: -2 takes two away (damaged, lost), "
                "5 adds five (found in a stocktake)."
            )
            self.fields["reason"].label = _("Reason")
            self.fields["reason"].help_text = _(
                "Required: the only record of why the stock changed."
            )
        else:
            quantity.help_text = _("What arrived, in the product's unit.")
            self.fields["reference"].label = _("Delivery note or invoice")
            self.fields["reason"].help_text = _("Optional.")

    def given(self) -> dict[str, Any]:
        """What `inputs.clean_operation` takes."""
        data = self.cleaned_data
        return {
            "product": data.get("product") or "",
            "warehouse": data.get("warehouse") or None,
            "quantity": data.get("quantity") or "",
            "reason": data.get("reason") or "",
            "reference": data.get("reference") or "",
        }


class ThresholdForm(forms.Form):
    low_stock_threshold = forms.CharField(
        label=_("Low-stock threshold"),
        help_text=_("Available stock below this is low; 0 turns the alert off."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8, "autocomplete": "off"}),
    )


# --- list filters -----------------------------------------------------------------------


class LevelFilters(forms.Form):
    """The levels list's filters, read from the query string."""

    q = forms.CharField(
        label=_("Product"),
        required=False,
        help_text=_("Code or name."),
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    low = forms.BooleanField(label=_("Low stock only"), required=False)
    # Set by links ("this product's levels"), shown as a removable note, not a control.
    product = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, warehouses: Sequence[Warehouse], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["warehouse"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All warehouses")), *warehouse_choices(warehouses)]

    def selection(self) -> dict[str, Any]:
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "warehouse": parse_uuid(data.get("warehouse")) if data.get("warehouse") else None,
            "low": True if data.get("low") else None,
            "product": data.get("product"),
        }


KIND_CHOICES = [("", _("Any")), *StockMovement.Kind.choices]


class MovementFilters(forms.Form):
    """The ledger's filters, read from the query string."""

    q = forms.CharField(
        label=_("Product"),
        required=False,
        help_text=_("Code or name."),
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=KIND_CHOICES)
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    created_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    created_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    order = forms.CharField(
        label=_("Order"),
        required=False,
        help_text=_("Its number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 14}),
    )
    product = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, warehouses: Sequence[Warehouse], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["warehouse"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All warehouses")), *warehouse_choices(warehouses)]

    def selection(self) -> dict[str, Any]:
        """movement_list's keywords for the valid filters (a bad date is left out and shown
        on its field). The order is its number, or its id (links from an order's page)."""
        self.is_valid()
        data = self.cleaned_data
        order_text = (data.get("order") or "").strip()
        order_id = parse_uuid(order_text) if order_text else None
        created_from: date | None = data.get("created_from")
        return {
            "search": (data.get("q") or "").strip(),
            "kind": data.get("kind") or "",
            "warehouse": parse_uuid(data.get("warehouse")) if data.get("warehouse") else None,
            "created_from": created_from,
            "created_to": data.get("created_to"),
            "order": order_id,
            "order_number": "" if order_id else order_text,
            "product": data.get("product"),
        }


# --- warehouses -------------------------------------------------------------------------


class WarehouseForm(ServiceForm):
    """A warehouse's code, name and address (and, when new, whether it is the default)."""

    code = forms.CharField(
        label=_("Code"),
        help_text=_("Short and unique, e.g. WAW-1; written in capitals."),
        widget=forms.TextInput(attrs={"maxlength": 30, "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Name"), widget=forms.TextInput(attrs={"maxlength": 255}))
    address = forms.CharField(label=_("Address"), widget=forms.Textarea(attrs={"rows": 3}))
    is_default = forms.BooleanField(label=_("Default warehouse (orders reserve from it)"))

    def __init__(self, *args: Any, creating: bool, **kwargs: Any) -> None:
        # Code and name are marked required; the input layer refuses them blank, in the
        # API's words, with the other problems.
        rules = FieldRules(frozenset(), frozenset({"code", "name"}))
        super().__init__(*args, rules=rules, **kwargs)
        if not creating:
            # Moving the default is its own button on the list (it locks every warehouse).
            del self.fields["is_default"]

    def given(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
