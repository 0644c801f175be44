"""The portal's profile form: what a customer may change of their own details.

Input only: which fields are editable, required or hidden is decided by
`tenant_apps.customers.profile` (the tenant's field settings); the values are judged
there too, in the same words as a staff edit, and put back on these fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dockpulse.web.entity_forms import FieldRules, ServiceForm
from tenant_apps.customers.forms import AddressField
from tenant_apps.customers.models import Customer
from tenant_apps.customers.profile import PROFILE_EDITABLE, ProfileFields


class ProfileForm(ServiceForm):
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("Where we send e-mails about your orders and quotes."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = AddressField(
        label=_("Address"),
        help_text=_("Your orders are delivered here unless you give another address."),
    )

    def __init__(self, *args: Any, profile: ProfileFields, **kwargs: Any) -> None:
        rules = FieldRules(
            hidden=frozenset(set(PROFILE_EDITABLE) - set(profile.editable)),
            required=profile.required,
        )
        super().__init__(*args, rules=rules, **kwargs)

    @staticmethod
    def initial_for(customer: Customer) -> dict[str, Any]:
        return {"email": customer.email, "address": customer.address}

    def given(self) -> dict[str, Any]:
        """The fields on the form as the profile's cleaning takes them: all four address
        parts, so clearing them clears the address (as a staff edit does)."""
        return dict(self.cleaned_data)
