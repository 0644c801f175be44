"""Host -> tenant or platform, for every request.

`<slug>.BASE_DOMAIN` runs in that tenant's context with the tenant URLConf;
`app.BASE_DOMAIN` and `BASE_DOMAIN` in platform context with the platform URLConf.
An unknown or malformed slug is a 404 (never a fallback to another database), a
suspended tenant gets the "account suspended" page (403), a deleted or still
provisioning one a 404. `/healthz` answers on every host with one `SELECT 1`.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .context import platform_context, tenant_context
from .info import TenantInfo
from .registry import registry
from .validation import SLUG_RE

Handler = Callable[[HttpRequest], HttpResponse]

SESSION_TENANT_KEY = "_dockpulse_tenant"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_id_var: ContextVar[str] = ContextVar("dockpulse_request_id", default="-")


class RequestIdMiddleware:
    """Gives each request an id (the proxy's X-Request-ID if sane) for logs and responses."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


def healthz() -> HttpResponse:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def split_host(hostname: str) -> tuple[str, str | None]:
    """("platform", None), ("tenant", slug) or ("invalid", None) for a host name."""
    base = settings.BASE_DOMAIN
    if hostname == base:
        return "platform", None
    suffix = f".{base}"
    if not hostname.endswith(suffix):
        return "invalid", None
    sub = hostname[: -len(suffix)]
    if sub in settings.PLATFORM_SUBDOMAINS:
        return "platform", None
    if "." in sub or not SLUG_RE.fullmatch(sub):
        return "invalid", None
    return "tenant", sub


class TenantMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return healthz()
        # get_host() validates against ALLOWED_HOSTS (a bad host is a 400).
        hostname = request.get_host().rsplit(":", 1)[0].lower().rstrip(".")
        kind, slug = split_host(hostname)
        if kind == "platform":
            request.urlconf = settings.ROOT_URLCONF  # type: ignore[attr-defined]
            request.tenant = None  # type: ignore[attr-defined]
            with platform_context():
                return self.get_response(request)
        if slug is None:
            return self._not_found(request)
        tenant = registry.get(slug)
        if tenant is None or tenant.status in ("deleted", "provisioning"):
            return self._not_found(request)
        if tenant.status == "suspended":
            request.tenant = tenant  # type: ignore[attr-defined]  # for the page's header
            with translation.override(tenant.language):
                return render(
                    request,
                    "tenancy/suspended.html",
                    {"tenant_name": tenant.name},
                    status=403,
                )
        if tenant.migration_failed:
            return self._maintenance(request, tenant)
        request.urlconf = settings.TENANT_URLCONF  # type: ignore[attr-defined]
        request.tenant = tenant  # type: ignore[attr-defined]
        with tenant_context(tenant):
            return self.get_response(request)

    @staticmethod
    def _maintenance(request: HttpRequest, tenant: TenantInfo) -> HttpResponse:
        """Its database is behind the code (a failed migration): served by this code it
        could fail or write wrongly, so nothing is served until it is migrated."""
        with translation.override(tenant.language):
            message = _(
                "%(name)s is being updated and will be back shortly. Nothing you saved is lost."
            ) % {"name": tenant.name}
            if request.path.startswith("/api/"):
                body = {"error": {"code": "maintenance", "message": message, "fields": {}}}
                response: HttpResponse = JsonResponse(body, status=503)
            else:
                request.tenant = tenant  # type: ignore[attr-defined]
                response = render(request, "tenancy/maintenance.html", {"message": message},
                                  status=503)  # fmt: skip
        response["Retry-After"] = "300"
        return response

    @staticmethod
    def _not_found(request: HttpRequest) -> HttpResponse:
        # Answered before LocaleMiddleware runs: in the visitor's language, never in
        # whatever the thread's previous request left active.
        with translation.override(translation.get_language_from_request(request)):
            return render(
                request,
                "tenancy/not_found.html",
                {"message": _("There is no DockPulse account at this address.")},
                status=404,
            )


class SessionTenantGuardMiddleware:
    """A session logged in on one tenant (or the platform) is anonymous everywhere else.

    Sessions live in each tenant's own database, so another tenant cannot even find the
    key; this also covers a restored copy of a tenant, whose session rows are the same
    but whose tenant id is new.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session and session.get(SESSION_TENANT_KEY) != session_owner(request):
            session.flush()
            request.user = AnonymousUser()
        return self.get_response(request)


def session_owner(request: HttpRequest) -> str:
    tenant = getattr(request, "tenant", None)
    return str(tenant.id) if tenant is not None else "platform"


class TenantTimezoneMiddleware:
    """Pages show times in the tenant's time zone (stored in UTC, DESIGN §11)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            return self.get_response(request)
        try:
            zone = zoneinfo.ZoneInfo(tenant.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("Europe/Warsaw")
        with timezone.override(zone):
            return self.get_response(request)
