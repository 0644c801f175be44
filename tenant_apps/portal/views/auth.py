"""The portal's sign-in pages: log in and out, the forced password change, reset by SMS.

Thin: forms read the input, services decide. Every view is a `portal_page` (the @portal
module, the portal session); none reads `request.user`, the staff's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from dockpulse.security import lockout
from dockpulse.security.clientip import client_ip
from dockpulse.web.forms import add_service_errors
from tenant_apps.portal import forms, services, sessions
from tenant_apps.portal.sessions import current_customer, portal_page


def _locked(
    request: HttpRequest,
    form: Any,
    locked: lockout.LockedOut,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The form again, saying for how long; 429 with Retry-After (as the staff's login)."""
    form.add_error(None, locked.message)
    response = render(request, template, {**context, "form": form}, status=429)
    response["Retry-After"] = str(locked.retry_after)
    return response


@portal_page(signed_in=False)
def login(request: HttpRequest) -> HttpResponse:
    next_url = sessions.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if getattr(request, "customer", None) is not None:
        return HttpResponseRedirect(next_url)
    form = forms.LoginForm(request.POST or None)
    context = {"next": next_url}
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_portal_login(
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                address=client_ip(request),
                via="page",
            )
        except lockout.LockedOut as locked:
            return _locked(request, form, locked, "portal/login.html", context)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            sessions.login(request, customer)
            return HttpResponseRedirect(next_url)
    return render(request, "portal/login.html", {**context, "form": form})


@portal_page(signed_in=False, during_first_login=True)
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    sessions.logout(request)
    return HttpResponseRedirect(reverse("portal:login"))


@portal_page(during_first_login=True)
def password_change(request: HttpRequest) -> HttpResponse:
    customer = current_customer(request)
    form = forms.PasswordChangeForm(request.POST or None, forced=customer.portal_first_login)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_portal_password_change(
                customer=customer,
                old=form.cleaned_data["old_password"],
                new=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, names={"old": "old_password", "new": "new_password1"})
        else:
            sessions.credentials_changed(request, customer)
            messages.success(request, _("Your password has been changed."))
            return HttpResponseRedirect(reverse("portal:home"))
    context = {"form": form, "customer": customer, "forced": customer.portal_first_login}
    return render(request, "portal/password.html", context)


@portal_page(signed_in=False)
def reset_request(request: HttpRequest) -> HttpResponse:
    if getattr(request, "customer", None) is not None:
        return HttpResponseRedirect(reverse("portal:password"))
    form = forms.ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            services.customer_portal_reset_request(phone=phone, address=client_ip(request))
        except lockout.LockedOut as locked:
            text = ngettext(
                "Too many codes were asked for; try again in %(minutes)d minute.",
                "Too many codes were asked for; try again in %(minutes)d minutes.",
                locked.minutes,
            )
            form.add_error(None, text % {"minutes": locked.minutes})
            response = render(request, "portal/reset.html", {"form": form}, status=429)
            response["Retry-After"] = str(locked.retry_after)
            return response
        except services.ResendTooSoon as exc:
            # The code sent a moment ago is still good: on to the page that takes it.
            messages.warning(request, exc.messages[0])
        sessions.portal_session(request)[sessions.RESET_PHONE_KEY] = phone
        return HttpResponseRedirect(reverse("portal:reset_confirm"))
    return render(request, "portal/reset.html", {"form": form})


@portal_page(signed_in=False)
def reset_confirm(request: HttpRequest) -> HttpResponse:
    if getattr(request, "customer", None) is not None:
        return HttpResponseRedirect(reverse("portal:password"))
    phone = sessions.portal_session(request).get(sessions.RESET_PHONE_KEY)
    if not isinstance(phone, str):
        return HttpResponseRedirect(reverse("portal:reset"))
    form = forms.ResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_portal_reset_confirm(
                phone=phone,
                code=form.cleaned_data["code"],
                new=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, names={"new": "new_password1"})
        else:
            sessions.login(request, customer)
            messages.success(request, _("Your new password is set; you are signed in."))
            return HttpResponseRedirect(reverse("portal:home"))
    return render(request, "portal/reset_confirm.html", {"form": form, "phone": phone})


urlpatterns = [
    path("login/", login, name="login"),
    path("logout/", logout, name="logout"),
    path("password/", password_change, name="password"),
    path("reset/", reset_request, name="reset"),
    path("reset/code/", reset_confirm, name="reset_confirm"),
]
