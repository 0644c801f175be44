"""Forms of the portal's ordering pages: input only (the rules are in
services/ordering.py, which checks everything again when the order is placed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tenant_apps.portal.services.ordering import NOTES_MAX

QUANTITY_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "size": "6"}


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the catalogue"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name or code"), "autocomplete": "off"}
        ),
    )


class AddToCartForm(forms.Form):
    """One product's "Add to cart" (a form per product on the catalogue page)."""

    product = forms.UUIDField(widget=forms.HiddenInput)
    quantity = forms.CharField(
        label=_("Quantity"), max_length=30, widget=forms.TextInput(attrs=QUANTITY_ATTRS)
    )
    # Where the customer was in the catalogue, to come back there.
    q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    page = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)


class CheckoutForm(forms.Form):
    """The order's header on the cart page; the quantities are the lines' own inputs."""

    delivery_date = forms.CharField(
        label=_("Delivery date"),
        required=False,
        help_text=_("Leave it empty if any day suits you."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    street = forms.CharField(
        label=_("Street and number"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "size": "8"}),
    )
    city = forms.CharField(
        label=_("City"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    notes = forms.CharField(
        label=_("Notes for us"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    ADDRESS = ("street", "postal_code", "city")

    def address(self) -> dict[str, str]:
        data: dict[str, Any] = self.cleaned_data
        return {key: str(data.get(key) or "").strip() for key in self.ADDRESS}
