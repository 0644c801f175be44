"""The platform's health (docs/platform.md, "Health"): a page for admins and the same
report as JSON at /healthz/deep for monitoring.

/healthz/deep answers a verified platform admin or `Authorization: Bearer
<PLATFORM_HEALTH_TOKEN>` (when the setting is set): PlatformAccessMiddleware lets it
through unguarded so a monitor without a session can reach it, and this view checks.
Its status code follows the report: 200 ok or degraded, 503 down.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache

from platform_app.middleware import verified
from platform_app.selectors_health import health_report
from platform_app.services.access import is_platform_admin

from .base import platform_page


@platform_page
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    return render(
        request, "platform_app/health.html", {"report": health_report(), "section": "health"}
    )


def _token_ok(request: HttpRequest) -> bool:
    expected = str(settings.PLATFORM_HEALTH_TOKEN or "")
    if not expected:
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


@never_cache
def healthz_deep(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (_token_ok(request) or (is_platform_admin(user) and verified(user))):
        return JsonResponse({"error": "forbidden"}, status=403)
    report = health_report()
    return JsonResponse(report.as_json(), status=503 if report.status == "down" else 200)


urlpatterns: list[URLPattern] = [
    path("health/", health, name="platform_health"),
    path("healthz/deep", healthz_deep, name="platform_healthz_deep"),
]
