"""Forms of the portal's sign-in pages: input only, the rules are in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dockpulse.phones import normalize_phone


class PhoneField(forms.CharField):
    """Any usual way of typing a Polish number; cleaned to E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Phone number"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return normalize_phone(str(super().clean(value)))


def _password(label: Any, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class LoginForm(forms.Form):
    phone = PhoneField()
    password = _password(_("Password"), "current-password")


class _NewPasswordTwice(forms.Form):
    new_password1 = _password(_("New password"), "new-password")
    new_password2 = _password(_("New password again"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("new_password1"), data.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", ValidationError(_("The two passwords differ.")))
        return data


class PasswordChangeForm(_NewPasswordTwice):
    old_password = _password(_("Current password"), "current-password")
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, *args: Any, forced: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if forced:
            self.fields["old_password"].label = _("Password from the SMS")


class ResetRequestForm(forms.Form):
    phone = PhoneField()


class ResetConfirmForm(_NewPasswordTwice):
    code = forms.CharField(
        label=_("Code from the SMS"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )
    field_order = ["code", "new_password1", "new_password2"]
