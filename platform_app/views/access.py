"""Pages of the platform host: the tenants, the audit log, the second-factor steps.

platform_app.middleware guards every view of this host before it runs (an admin without
the second factor reaches only the code and enrolment pages); `platform_page` says so
again on each page, so a view moved elsewhere cannot lose it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from dockpulse.errors import DomainError
from dockpulse.security import lockout
from dockpulse.security.clientip import client_ip
from dockpulse.web.forms import add_service_errors
from platform_app.forms import AuditFilterForm, EnrolmentCodeForm, OtpCodeForm
from platform_app.middleware import verified
from platform_app.qr import qr_svg_data_uri, secret_for_typing
from platform_app.selectors import audit_filter_options, audit_list
from platform_app.services.access import (
    platform_otp_verify,
    totp_enrolment_confirm,
    totp_enrolment_start,
    user_has_totp,
)
from platform_app.services.audit import AuditOrigin

from .base import platform_page


@platform_page
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, options=audit_filter_options())
    filters = form.filters()
    rows = audit_list(**filters)
    page = Paginator(rows, settings.PLATFORM_AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "platform_app/audit.html",
        {
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "section": "audit",
        },
    )


# --- the second factor -------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _origin(request: HttpRequest) -> AuditOrigin:
    return AuditOrigin(admin_email=request.user.email, ip=client_ip(request) or None)  # type: ignore[union-attr]


def _step_entry(request: HttpRequest) -> HttpResponse | None:
    """Where a visitor of a second-factor page belongs instead, if not there."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if verified(request.user):
        return HttpResponseRedirect(_next_url(request))
    return None


def _refused(request: HttpRequest, form: Any, error: Exception) -> None:
    if isinstance(error, lockout.LockedOut):
        lockout.mark(request, error)
        form.add_error(None, error.message)
    elif isinstance(error, DomainError):
        add_service_errors(form, error)


def _verified_session(request: HttpRequest, device: Any) -> None:
    # A new session key for the raised privilege, then the device on the session.
    request.session.cycle_key()
    otp_login(request, device)


@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    elsewhere = _step_entry(request)
    if elsewhere is not None:
        return elsewhere
    user: Any = request.user
    if not user_has_totp(user=user):
        return HttpResponseRedirect(f"{reverse('platform_otp_enrol')}?{request.GET.urlencode()}")
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = platform_otp_verify(
                user=user, code=form.cleaned_data["code"], origin=_origin(request)
            )
        except (lockout.LockedOut, DomainError) as error:
            _refused(request, form, error)
        else:
            _verified_session(request, result.device)
            if result.method == "recovery":
                left = result.recovery_codes_left or 0
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code: %(left)d code is left.",
                        "You signed in with a recovery code: %(left)d codes are left.",
                        left,
                    )
                    % {"left": left},
                )
            return HttpResponseRedirect(_next_url(request))
    response = render(
        request,
        "platform_app/otp_verify.html",
        {"form": form, "next": _next_url(request), "minimal": True},
    )
    return lockout.apply_to_response(request, response)


@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    elsewhere = _step_entry(request)
    if elsewhere is not None:
        return elsewhere
    user: Any = request.user
    if user_has_totp(user=user):
        return HttpResponseRedirect(f"{reverse('platform_otp_verify')}?{request.GET.urlencode()}")
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolled = totp_enrolment_confirm(
                user=user, code=form.cleaned_data["code"], origin=_origin(request)
            )
        except (lockout.LockedOut, DomainError) as error:
            _refused(request, form, error)
        else:
            _verified_session(request, enrolled.device)
            # Shown in this response only: the codes are never put anywhere to show again.
            return render(
                request,
                "platform_app/otp_recovery_codes.html",
                {
                    "codes": enrolled.recovery_codes,
                    "next": _next_url(request),
                    "minimal": True,
                },
            )
    device = totp_enrolment_start(user=user)
    response = render(
        request,
        "platform_app/otp_enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr": qr_svg_data_uri(device.config_url),
            "secret": secret_for_typing(device.bin_key),
            "issuer": settings.OTP_TOTP_ISSUER,
            "minimal": True,
            "title": _("Set up your authenticator app"),
        },
    )
    return lockout.apply_to_response(request, response)
