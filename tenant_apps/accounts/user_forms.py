"""Forms of the users settings pages (/settings/users/): invite, edit.

They only carry what the admin typed; the accounts services clean and judge it (the
e-mail's form and uniqueness, the role, the phone, the plan's limit, a self-demotion) and
their errors come back on these fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Role


class InviteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("The invitation with a link to set a password goes to this address."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EMPLOYEE)


class UserForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        help_text=_("For SMS notifications, e.g. +48 601 234 567."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
