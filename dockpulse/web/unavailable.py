"""A database that does not answer is a 503, not a traceback (docs/operations.md, "What
happens when ... is down").

While PostgreSQL restarts (or the network to it breaks) every query fails with psycopg's
OperationalError or InterfaceError. Pages then get a plain "temporarily unavailable" page,
the API its usual error shape with the code `unavailable`, both 503 with Retry-After, and
the log one line with the cause instead of a traceback per request.

Two ways in, because Django turns an exception into a 500 response at the layer that
raised it: a view's (DRF's included: its handler re-raises what is not an APIException)
reaches `process_exception`; one raised in a middleware (the tenant lookup reading the
platform database, a session saved on the way out) is only seen by Django's
`got_request_exception` signal, which marks the request, and the 500 it became is
replaced here on the way out.

The broken connection itself is closed at the end of the request: Django flags a
connection on which an error occurred and the request_finished handler
(dockpulse.tenancy.connections.close_old_connections) closes it when it no longer answers,
for the platform and every tenant alias this request used; the next request reconnects.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from dockpulse.outages import database_unavailable

logger = logging.getLogger("dockpulse.web.unavailable")

Handler = Callable[[HttpRequest], HttpResponse]

# Seconds a client is asked to wait: a restart of PostgreSQL takes a few.
RETRY_AFTER = 5
_MARK = "_dockpulse_database_unavailable"


def _remember(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """got_request_exception is sent inside Django's `except` block: sys.exc_info() is
    the exception a middleware raised."""
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and database_unavailable(exc):
        setattr(request, _MARK, exc)


class _DropUnavailableTracebacks(logging.Filter):
    """Django logs every 500 with its traceback (django.request); those this middleware
    turns into a 503 are logged here in one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not database_unavailable(exc)


got_request_exception.connect(_remember, dispatch_uid="dockpulse_database_unavailable")
_request_logger = logging.getLogger("django.request")
if not any(isinstance(f, _DropUnavailableTracebacks) for f in _request_logger.filters):
    _request_logger.addFilter(_DropUnavailableTracebacks())


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    cause = exc.__cause__ or exc
    logger.warning(
        "database unavailable, answered 503: %s %s (%s: %s)",
        request.method,
        request.path,
        type(cause).__name__,
        str(cause).strip().splitlines()[0] if str(cause).strip() else "",
    )
    # Before LocaleMiddleware perhaps (a failed tenant lookup): the visitor's language
    # from the cookie or the browser, as the "not found" page does.
    with translation.override(translation.get_language_from_request(request)):
        if request.path.startswith("/api/"):
            message = _("The service is temporarily unavailable; try again in a few seconds.")
            body = {"error": {"code": "unavailable", "message": message, "fields": {}}}
            response: HttpResponse = JsonResponse(body, status=503)
        else:
            # No request context: the context processors (user, menu) need the database.
            page = render_to_string(
                "503.html",
                {
                    "language": translation.get_language(),
                    "message": _(
                        "DockPulse cannot reach its database at the moment; it is probably "
                        "being restarted."
                    ),
                },
            )
            response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # Logged above, with the cause: Django's own "Service Unavailable: <path>" line (its
    # handler logs every 5xx) would only say it again.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class DatabaseUnavailableMiddleware:
    """Outside the tenant middleware, so a failed tenant lookup is covered too."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code == 500:
            return unavailable_response(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_unavailable(exception):
            return unavailable_response(request, exception)
        return None
