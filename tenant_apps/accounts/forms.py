"""Forms of the sign-in pages (staff and platform hosts) and of the admin's password page.

They add two things to Django's: a login refused by the lockout says so, with how long it
lasts; and every new password goes through `user_set_password`, which revokes the user's
refresh tokens, whichever page set it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dockpulse.security import lockout

from .models import User
from .services import user_set_password


class _LockoutMessage:
    request: Any
    error_messages: dict[str, Any]

    def get_invalid_login_error(self) -> ValidationError:
        locked = lockout.lock_of(self.request)
        if locked is not None:
            return ValidationError(locked.message, code="locked")
        return ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class LoginForm(_LockoutMessage, auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("Wrong e-mail or password."),
    }


class AdminLoginForm(_LockoutMessage, AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _("Wrong e-mail or password, or this account has no admin access."),
    }


class _ServiceSave:
    """Saves the new password through the service (revoking tokens), not `user.save()`."""

    user: User
    cleaned_data: dict[str, Any]

    def _new_password(self) -> str:
        return str(self.cleaned_data["new_password1"])

    def save(self, commit: bool = True) -> User:
        if commit:
            return user_set_password(user=self.user, password=self._new_password())
        self.user.set_password(self._new_password())
        return self.user


class SetPasswordForm(_ServiceSave, auth_forms.SetPasswordForm):
    """The form behind a password-reset link."""


class PasswordChangeForm(_ServiceSave, auth_forms.PasswordChangeForm):
    """One's own password, on the page."""


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """An admin setting someone's password in the Django admin."""

    def save(self, commit: bool = True) -> Any:
        password = str(self.cleaned_data["password1"])
        if commit:
            return user_set_password(user=self.user, password=password)
        self.user.set_password(password)
        return self.user


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
