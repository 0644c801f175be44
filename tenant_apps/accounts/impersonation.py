"""A platform admin in this tenant's panel as its admin (docs/platform.md,
"Impersonation"): the one-time link's landing view, the End button, the middleware that
ends an expired or ended session, the banner's context.

The grants live in the platform database; this app reaches them only through
`dockpulse.tenancy.impersonation` (tenant apps never import the platform app).

Attribution: while impersonating, the browser *is* the tenant's admin: what it does is
recorded as that admin's, as any of their actions would be. The tenant's event log
brackets it with "staff.impersonated" and "staff.impersonation_ended" naming the platform
admin, and the platform's audit log has the same start and end: who acted can always be
told from the times.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, login, logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dockpulse import events
from dockpulse.actors import system_actor
from dockpulse.security.clientip import client_ip
from dockpulse.tenancy import tenant_atomic
from dockpulse.tenancy.impersonation import impersonation_directory

from .models import User

SESSION_KEY = "_impersonation"
EVENT_STARTED = "staff.impersonated"
EVENT_ENDED = "staff.impersonation_ended"


def _tenant(request: HttpRequest) -> Any:
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        # The platform host mounts this app's URLs too; impersonation is a tenant host's.
        raise Http404
    return tenant


def _event(event_type: str, user: User, admin_email: str, **payload: Any) -> None:
    with tenant_atomic():
        events.emit(
            event_type=event_type,
            source_module="accounts",
            entity_type="user",
            entity_id=user.id,
            payload={"email": user.email, "platform_admin": admin_email, **payload},
            actor=system_actor(_("platform admin %(email)s") % {"email": admin_email}),
        )


def _platform_origin(request: HttpRequest) -> str:
    """The platform host's origin, on this request's scheme and port (one server serves
    both hosts)."""
    netloc = f"app.{settings.BASE_DOMAIN}"
    port = request.get_port()
    if port and port != {"http": "80", "https": "443"}.get(request.scheme or ""):
        netloc += f":{port}"
    return f"{request.scheme}://{netloc}"


def _platform_tenant_url(request: HttpRequest, slug: str) -> str:
    return f"{_platform_origin(request)}/tenants/{slug}/"


@never_cache
def impersonation_redeem(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link: signs this browser in as the grant's tenant user."""
    tenant = _tenant(request)
    ip = client_ip(request) or None
    grant = impersonation_directory().redeem(token, tenant_id=tenant.id, ip=ip)
    user = (
        User.objects.filter(email=grant.user_email, is_active=True).first()
        if grant is not None
        else None
    )
    if grant is None or user is None:
        if grant is not None:
            impersonation_directory().end(grant.id, why="refused", ip=ip)
        messages.error(
            request,
            _("This link has been used already or has expired. Start again from the platform."),
        )
        return redirect(settings.LOGIN_URL)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session[SESSION_KEY] = {
        "grant": str(grant.id),
        "admin": grant.admin_email,
        "expires": grant.expires_at.isoformat(),
    }
    _event(EVENT_STARTED, user, grant.admin_email, grant=str(grant.id),
           expires_at=grant.expires_at.isoformat(timespec="seconds"))  # fmt: skip
    return redirect("/")


@require_POST
def impersonation_end(request: HttpRequest) -> HttpResponse:
    """The banner's End button: ends the grant, signs out, back to the platform."""
    tenant = _tenant(request)
    state = request.session.get(SESSION_KEY)
    if not state:
        return redirect("/")
    _finish(request, state, why="ended")
    return HttpResponseRedirect(_platform_tenant_url(request, tenant.slug))


def _record_end(request: HttpRequest, user: Any, state: dict[str, str], *, why: str) -> None:
    """End the grant on the platform and, the first time only, in the tenant's log."""
    if impersonation_directory().end(
        uuid.UUID(state["grant"]), why=why, ip=client_ip(request) or None
    ) and isinstance(user, User):
        _event(EVENT_ENDED, user, state["admin"], grant=state["grant"], why=why)


def _finish(request: HttpRequest, state: dict[str, str], *, why: str) -> None:
    # Popped before logout(): its user_logged_out receiver below records only the
    # sign-outs that did not come through here.
    request.session.pop(SESSION_KEY, None)
    _record_end(request, request.user, state, why=why)
    logout(request)


def impersonation_logged_out(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """user_logged_out: an impersonated session signed out the ordinary way (/logout/)
    ends its grant too, or the grant would stay open and the end go unrecorded."""
    if request is None or getattr(request, "tenant", None) is None:
        return
    session = getattr(request, "session", None)
    state = session.pop(SESSION_KEY, None) if session is not None else None
    if state:
        _record_end(request, user, state, why="signed_out")


class ImpersonationMiddleware:
    """After authentication and messages: an impersonated session past its time, or whose
    grant was ended elsewhere, is signed out; otherwise `request.impersonation` feeds the
    banner."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = request.session.get(SESSION_KEY) if getattr(request, "tenant", None) else None
        if state and BACKEND_SESSION_KEY in request.session:
            expires = datetime.fromisoformat(state["expires"])
            expired = timezone.now() >= expires
            if expired or not impersonation_directory().is_open(uuid.UUID(state["grant"])):
                _finish(request, state, why="expired" if expired else "closed")
                messages.info(
                    request,
                    _("The platform admin's session in this panel ended at %(time)s.")
                    % {"time": formats.time_format(timezone.localtime(expires), "H:i")},
                )
                return redirect(settings.LOGIN_URL)
            request.impersonation = {  # type: ignore[attr-defined]
                "admin": state["admin"],
                "expires_at": expires,
            }
            response = self.get_response(request)
            # The banner's End form is redirected back to the platform's host: the CSP's
            # form-action covers a form's redirects, so these pages (and only these) allow
            # that one origin.
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [
                *update.get("form-action", []),
                _platform_origin(request),
            ]
            response._csp_update = update  # type: ignore[attr-defined]
            return response
        return self.get_response(request)


def impersonation_banner(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the banner every staff page shows while impersonated."""
    return {"impersonation": getattr(request, "impersonation", None)}
