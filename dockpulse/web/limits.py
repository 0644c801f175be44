"""Requests too big to read: refused before their body is read, on every host.

Django caps the part of a body it keeps in memory (DATA_UPLOAD_MAX_MEMORY_SIZE) but not an
uploaded file, which it spools to disk however big it is; the CSV imports then read it
(docs/api.md: at most 5 MB). A body whose Content-Length is over REQUEST_MAX_BYTES is
answered 413 at once, in words (JSON for the API), before any view or upload handler runs.
Caddy (deploy/Caddyfile, `request_body`) refuses the same size in front, and also a
chunked body that declares no length.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_MAX_BYTES
        if length > limit:
            message = _("The request is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
            if request.path.startswith(API_PREFIX):
                body = {"error": {"code": "too_large", "message": message, "fields": {}}}
                return JsonResponse(body, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
