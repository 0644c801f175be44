"""Small pieces every API view uses: query parameters, input, pages.

Bad query parameters are 400 with the parameter named, like bad fields.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.pagination import paginator_for


def _raw(request: Request, name: str) -> str:
    return str(request.query_params.get(name, "")).strip()


def text_param(request: Request, name: str) -> str:
    """A text filter, stripped; a NUL character (no PostgreSQL text holds one) is a 400."""
    raw = _raw(request, name)
    if "\x00" in raw:
        raise ValidationError({name: [_("Null characters are not allowed.")]})
    return raw


def uuid_param(request: Request, name: str) -> uuid.UUID | None:
    raw = _raw(request, name)
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise ValidationError({name: [_("Enter a valid id.")]}) from exc


def bool_param(request: Request, name: str) -> bool | None:
    raw = _raw(request, name).lower()
    if not raw:
        return None
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    raise ValidationError({name: [_("Enter true or false.")]})


def date_param(request: Request, name: str) -> dt.date | None:
    return _parsed(request, name, serializers.DateField())


def datetime_param(request: Request, name: str) -> dt.datetime | None:
    return _parsed(request, name, serializers.DateTimeField())


def _parsed(request: Request, name: str, field: serializers.Field) -> Any:
    raw = _raw(request, name)
    if not raw:
        return None
    try:
        return field.to_internal_value(raw)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from exc


def valid(serializer_class: type[serializers.Serializer], request: Request, **kw: Any) -> Any:
    """The request body checked by `serializer_class`, as a plain dict (400 otherwise)."""
    serializer = serializer_class(data=request.data, **kw)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def page(view: Any, request: Request, queryset: Any, out: type[serializers.Serializer]) -> Response:
    """`queryset` as the view's lists come: one page in the shape of its pagination class
    (`{"count", "next", "previous", "results"}`), or the whole list where the view sets
    `pagination_class = None` (as the schema documents it)."""
    return paged(view, request, queryset, lambda rows: out(rows, many=True).data)


def paged(view: Any, request: Request, queryset: Any, render: Callable[[Any], Any]) -> Response:
    """page() for rows that `render` turns into the list's items (hidden fields left out,
    a serializer context)."""
    paginator = paginator_for(view)
    if paginator is None:
        return Response(render(queryset))
    rows = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(render(rows))
