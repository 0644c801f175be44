"""The platform host's guard: second factor, idle expiry, time zone, the audit's origin.

On a tenant host (`request.tenant` set) a request passes straight through: the staff
panel's sessions and pages are unchanged. On the platform host (docs/platform.md):

- `request.user.is_verified()` says whether this session passed the second factor
  (django-otp's OTPMiddleware, which this extends, reads the device from the session);
- a session unused for PLATFORM_SESSION_IDLE_MINUTES is signed out (and audited);
- before any view runs: an anonymous visitor reaches only the sign-in and password-reset
  pages; a signed-in user who is not a platform admin is signed out; an admin without the
  second factor reaches only the code and enrolment pages (and sign-out); everything else
  is sent there. Guarding here rather than in each view means a new page, the Django
  admin included, cannot forget it;
- times are shown in PLATFORM_TIME_ZONE, and the audit rows a verified admin's request
  writes carry their e-mail and IP (`audit_origin`).
"""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django_otp.middleware import OTPMiddleware

from dockpulse.security.clientip import client_ip

from .services.access import is_platform_admin, platform_session_record, user_has_totp
from .services.audit import AuditOrigin, audit_origin

# Reachable by anyone: signing in, resetting a forgotten password, the language switch.
PUBLIC_VIEWS = frozenset(
    {
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "language",
        "set_language",
        "platform_admin:login",
    }
)
# Reachable after the password alone.
SECOND_FACTOR_VIEWS = frozenset(
    {
        "platform_otp_verify",
        "platform_otp_enrol",
        "logout",
        "platform_admin:logout",
        "language",
        "set_language",
    }
)
# Guarded by the view itself: /healthz/deep takes a monitoring token instead of a session
# (platform_app/views/health.py), and refuses everyone else with 403.
SELF_GUARDED_VIEWS = frozenset({"platform_healthz_deep"})
SEEN_KEY = "_platform_seen"
# The last-seen stamp is written at most this often: not a session write per request.
_SEEN_RESOLUTION = 60
_EXPIRING_ATTR = "_platform_session_expiring"


def on_platform_host(request: HttpRequest) -> bool:
    """TenantMiddleware sets `request.tenant`: None on the platform host."""
    return hasattr(request, "tenant") and request.tenant is None


def verified(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


def request_origin(request: HttpRequest) -> AuditOrigin:
    user = request.user
    email = user.email if user.is_authenticated and verified(user) else ""
    return AuditOrigin(admin_email=email, ip=client_ip(request) or None)


def session_expiring(request: HttpRequest | None) -> bool:
    return bool(getattr(request, _EXPIRING_ATTR, False))


class PlatformAccessMiddleware(OTPMiddleware):
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not on_platform_host(request):
            return self.get_response(request)
        self._install_lazy_accessors(request)
        with timezone.override(_platform_zone()):
            expired = self._expire_idle(request)
            if expired is not None:
                return expired
            with audit_origin(request_origin(request)):
                return self.get_response(request)

    def _expire_idle(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        now = int(time.time())
        idle = settings.PLATFORM_SESSION_IDLE_MINUTES * 60
        seen = request.session.get(SEEN_KEY)
        if seen is not None and now - int(seen) > idle:
            platform_session_record(
                user=user,
                action="platform.session_expired",
                origin=AuditOrigin(admin_email=user.email, ip=client_ip(request) or None),
            )
            setattr(request, _EXPIRING_ATTR, True)
            logout(request)
            minutes = settings.PLATFORM_SESSION_IDLE_MINUTES
            messages.info(
                request,
                ngettext(
                    "You were signed out after %(minutes)d minute without activity.",
                    "You were signed out after %(minutes)d minutes without activity.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return redirect_to_login(request.get_full_path())
        if seen is None or now - int(seen) >= _SEEN_RESOLUTION:
            request.session[SEEN_KEY] = now
            # The session row and cookie end with it too, not only this check.
            request.session.set_expiry(idle)
        return None

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not on_platform_host(request):
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if name in SELF_GUARDED_VIEWS:
            return None
        user = request.user
        if not user.is_authenticated:
            if name in PUBLIC_VIEWS:
                return None
            return redirect_to_login(request.get_full_path())
        if not is_platform_admin(user):
            # A platform user without admin access has nothing to do here.
            logout(request)
            return redirect_to_login(request.get_full_path())
        if verified(user) or name in SECOND_FACTOR_VIEWS:
            return None
        step = "platform_otp_verify" if user_has_totp(user=user) else "platform_otp_enrol"
        target = reverse(step)
        if name not in ("login", "platform_admin:login"):
            target += "?" + urlencode({"next": request.get_full_path()})
        elif request.GET.get("next"):
            target += "?" + urlencode({"next": request.GET["next"]})
        return HttpResponseRedirect(target)


def _platform_zone() -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(settings.PLATFORM_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
