"""The customer pages' forms: the list's filters, and a customer's values for the service.

The customer form only carries what was typed to `inputs.customer_input` /
`customer_changes` (the view calls them inside `services.customer_problems`, as the API
does), so a bad NIP or phone comes back as the API's message on that field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dockpulse.web.entity_forms import ServiceForm

from .inputs import ADDRESS_KEYS, DEFAULT_COUNTRY
from .models import Customer


class AddressWidget(forms.MultiWidget):
    """The address as four labelled inputs in one fieldset (customers/address_widget.html)."""

    template_name = "customers/address_widget.html"
    labels = (_("Street"), _("Postal code"), _("City"), _("Country"))

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "street": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code", "size": 8}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            # Blank is the default country (PL), as for the API.
            "country": forms.TextInput(
                attrs={
                    "autocomplete": "country",
                    "size": 2,
                    "maxlength": 2,
                    "placeholder": DEFAULT_COUNTRY,
                }
            ),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[str]:
        value = value or {}
        return [value.get(key, "") for key in ADDRESS_KEYS]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for sub, label in zip(context["widget"]["subwidgets"], self.labels, strict=True):
            sub["label"] = label
        return context


class AddressField(forms.MultiValueField):
    """Street, postal code, city and country as the service's `address` mapping."""

    widget = AddressWidget

    def __init__(self, **kwargs: Any) -> None:
        parts = (
            forms.CharField(max_length=255, required=False),
            forms.CharField(max_length=16, required=False),
            forms.CharField(max_length=100, required=False),
            forms.CharField(required=False),  # the service judges the country code
        )
        super().__init__(parts, require_all_fields=False, **kwargs)

    def compress(self, data_list: Sequence[str]) -> dict[str, str]:
        values = list(data_list) or [""] * len(ADDRESS_KEYS)
        return dict(zip(ADDRESS_KEYS, values, strict=True))


class CustomerForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=255)
    company_name = forms.CharField(label=_("Company"), max_length=255)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        help_text=_("A Polish number, or an international one starting with +."),
        widget=forms.TelInput(attrs={"autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    nip = forms.CharField(
        label=_("NIP"),
        max_length=20,
        help_text=_("Ten digits; dashes and spaces are fine."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    address = AddressField(label=_("Address"))
    tags = forms.CharField(
        label=_("Tags"), max_length=1000, help_text=_("Separate tags with commas.")
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}))
    # No portal access checkbox: access goes on with a password sent by SMS, from the
    # customer's page (views.customer_portal_grant).

    @classmethod
    def initial_for(cls, customer: Customer | None) -> dict[str, Any]:
        if customer is None:
            return {}
        return {
            "name": customer.name,
            "company_name": customer.company_name,
            "phone": customer.phone,
            "email": customer.email,
            "nip": customer.nip,
            "address": customer.address,
            "tags": ", ".join(customer.tags),
            "notes": customer.notes,
        }

    def given(self, *, creating: bool) -> dict[str, Any]:
        """The fields on the form as the customer's inputs take them.

        A new customer's address is given when any of its parts is; an edit gives all
        four, so clearing them clears the address.
        """
        given: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name == "address":
                if creating and not any(value.values()):
                    continue
                given["address"] = value
            elif name == "tags":
                given["tags"] = [tag for tag in value.split(",") if tag.strip()]
            else:
                given[name] = value
        return given


PORTAL_CHOICES = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


class CustomerFilters(forms.Form):
    """The list's filters, read from the query string (a shared link shows the same)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Name, company, NIP, phone, e-mail or tag."),
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    portal = forms.ChoiceField(label=_("Portal access"), required=False, choices=PORTAL_CHOICES)
    created_from = forms.DateField(
        label=_("Created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    created_to = forms.DateField(
        label=_("Created to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, tags: Sequence[str], hidden: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tag"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any")), *((tag, tag) for tag in tags)]
        if "tags" in hidden:
            del self.fields["tag"]

    def selection(self) -> dict[str, Any]:
        """customer_list's keywords for the filters that are valid (a bad date is left out
        and shown as an error on its field)."""
        self.is_valid()
        data = self.cleaned_data
        portal = data.get("portal") or ""
        return {
            "search": (data.get("q") or "").strip(),
            "tag": data.get("tag") or "",
            "portal": {"yes": True, "no": False}.get(portal),
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
        }
