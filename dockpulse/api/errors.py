"""One JSON shape for every API error: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dockpulse.errors import DomainError
from dockpulse.security.lockout import LockedOut


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class DomainRefusal(exceptions.APIException):
    """A DomainError on its way out: its own status and code."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(detail=error.message, code=error.code)
        self.status_code = error.status


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for sub in detail for item in _flatten(sub)]
    if isinstance(detail, dict):
        return [str(item) for sub in detail.values() for item in _flatten(sub)]
    return [str(detail)]


def _fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested errors get dotted keys: `lines.1.quantity`, not one merged list for `lines`."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            # A nested object's own errors belong to it: `lines`, not `lines.non_field_errors`.
            name = prefix.rstrip(".") if prefix and key == "non_field_errors" else f"{prefix}{key}"
            fields.update(_nested(value, name))
    return fields


def _nested(value: Any, key: str) -> dict[str, list[str]]:
    if isinstance(value, dict):
        return _fields(value, f"{key}.")
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        out: dict[str, list[str]] = {}
        for index, item in enumerate(value):
            if item:
                out.update(_nested(item, f"{key}.{index}"))
        return out
    return {key: _flatten(value)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    extra: dict[str, Any] = {}
    if isinstance(exc, LockedOut):
        exc = exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    elif isinstance(exc, DomainError):
        extra = exc.extra
        exc = DomainRefusal(exc)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, IntegrityError):
        # A uniqueness the service checked was taken by a request at the same moment.
        exc = Conflict(
            detail=_("This conflicts with a change made at the same moment; try again."),
            code="conflict",
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    detail = exc.detail
    fields = _fields(detail)
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        non_field = fields.pop("non_field_errors", [])
        message = " ".join(non_field) or _("Some fields are not valid.")
        if non_field and not fields:
            fields = {}
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        message = " ".join(_flatten(detail))
    response.data = {"error": {"code": code, "message": message, "fields": fields, **extra}}
    return response
