"""The product pages' forms: the list's filters, and a product's values for the service.

The product form only carries what was typed to `inputs.product_input` /
`product_changes` (inside `services.product_problems`, as the API does): a bad price or
a taken code comes back as the API's message on that field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from dockpulse.web.entity_forms import ServiceForm

from .models import Product, Unit, VatRate

CATEGORY_OPTIONS = "product-categories"  # the <datalist> of known categories


class ProductForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=255)
    category = forms.CharField(
        label=_("Category"),
        max_length=100,
        widget=forms.TextInput(attrs={"list": CATEGORY_OPTIONS, "autocomplete": "off"}),
    )
    price = forms.CharField(
        label=_("Net price"),
        max_length=20,
        help_text=_("Per unit, before VAT, e.g. 12,50."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    # Plain text carried by a select: whether the value is one of the list is the
    # inputs' rule (and message), as for the API.
    unit = forms.CharField(label=_("Unit"), widget=forms.Select(choices=Unit.choices))
    vat_rate = forms.CharField(label=_("VAT rate"), widget=forms.Select(choices=VatRate.choices))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Inactive products stay on past documents but are not offered."),
    )

    @classmethod
    def initial_for(cls, product: Product | None) -> dict[str, Any]:
        if product is None:
            return {"unit": Unit.PIECE, "vat_rate": VatRate.STANDARD, "is_active": True}
        return {
            "code": product.code,
            "name": product.name,
            "category": product.category,
            "price": number_format(product.price, 2),
            "unit": product.unit,
            "vat_rate": product.vat_rate,
            "description": product.description,
            "is_active": product.is_active,
        }

    def given(self) -> dict[str, Any]:
        """The fields on the form, as the product's inputs take them."""
        return dict(self.cleaned_data)


ACTIVE_CHOICES = [("", _("Any")), ("yes", _("Active")), ("no", _("Inactive"))]


class ProductFilters(forms.Form):
    """The list's filters, read from the query string (a shared link shows the same)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Code, name or category."),
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)
    vat_rate = forms.ChoiceField(
        label=_("VAT rate"), required=False, choices=[("", _("Any")), *VatRate.choices]
    )

    def __init__(
        self, *args: Any, categories: Sequence[str], hidden: set[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any")), *((name, name) for name in categories)]
        for name, rule in (
            ("category", "category"),
            ("active", "is_active"),
            ("vat_rate", "vat_rate"),
        ):
            if rule in hidden:
                del self.fields[name]

    def selection(self) -> dict[str, Any]:
        """product_list's keywords for the filters that are valid."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "category": data.get("category") or "",
            "active": {"yes": True, "no": False}.get(data.get("active") or ""),
            "vat_rate": data.get("vat_rate") or "",
        }
