"""Signal receivers of the platform app: a platform admin's sign-out is audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.http import HttpRequest

from .middleware import on_platform_host, request_origin, session_expiring, verified
from .services.access import platform_session_record


def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Tenant hosts' sign-outs are theirs; an idle expiry is audited as such, and a session
    # that never passed the second factor was never a platform sign-in.
    if request is None or user is None or not on_platform_host(request):
        return
    if session_expiring(request) or not verified(user):
        return
    platform_session_record(user=user, action="platform.signed_out", origin=request_origin(request))


def connect() -> None:
    user_logged_out.connect(_signed_out, dispatch_uid="platform_app.signed_out")
