"""Sign-in pages of both hosts: log in and out, change the password, reset it by e-mail.

Django's views with our forms: the lockout's 429 and the tenant-bound reset links.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from dockpulse.security import lockout

from . import forms, services
from .services import user_send_password_reset
from .tokens import password_reset_tokens


class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        return lockout.apply_to_response(self.request, super().form_invalid(form))


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm


class PasswordResetView(auth_views.PasswordResetView):
    """Sends the link through the service: counted against the lockout, bound to the
    tenant, and silent about whether the e-mail has an account."""

    form_class = forms.PasswordResetRequestForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            user_send_password_reset(request=self.request, email=form.cleaned_data["email"])
        except lockout.LockedOut as locked:
            lockout.mark(self.request, locked)
            form.add_error("email", locked.message)
            return lockout.apply_to_response(self.request, self.form_invalid(form))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    token_generator = password_reset_tokens


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The header's language switch: Django's cookie, and for a signed-in user their
    account's choice too (tenant_apps.accounts.middleware)."""
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=code)
    return set_language(request)
