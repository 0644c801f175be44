"""A viewset over one tenant model whose writes go through that app's services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.actors import Actor, staff_actor
from dockpulse.modules import field_policy

from .csv_views import CsvActionsMixin
from .params import paged
from .permissions import RolePermission

UUID_PATTERN = "[0-9a-fA-F-]{36}"


def get_or_404(model: Any, **lookup: Any) -> Any:
    """The object, or 404 -- also for an id that is not even a UUID (never a 400 or 500)."""
    try:
        return get_object_or_404(model, **lookup)
    except (DjangoValidationError, ValueError) as exc:
        raise Http404 from exc


def _without(data: Any, hidden: set[str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in hidden}


class ServiceViewSet(CsvActionsMixin, viewsets.ViewSet):
    """list (paginated, hidden fields left out), retrieve, create, partial_update, destroy.

    Subclasses name `model`, `serializer_class`, `csv_entity` (field rules), `resource`
    and `module` (permissions), and the three writes below.
    """

    # The docstring above is the schema's description of every subclass's operations:
    # changing it changes the published API. The writes get the input serializer's
    # validated data, from which they build their service's typed input, and the caller
    # as an Actor.

    model: type[Model]
    serializer_class: type[serializers.Serializer]
    permission_classes = [RolePermission]
    lookup_value_regex = UUID_PATTERN
    parser_classes = [JSONParser, MultiPartParser]

    def create_object(self, data: dict[str, Any], actor: Actor) -> Model:
        raise NotImplementedError

    def update_object(self, obj: Any, data: dict[str, Any], actor: Actor) -> Model:
        raise NotImplementedError

    def delete_object(self, obj: Any, actor: Actor) -> None:
        raise NotImplementedError

    def _out(self, objects: Any, many: bool = False) -> Any:
        # One look at the field rules for the whole page, not one per row.
        hidden = field_policy().hidden_fields(self.csv_entity)
        data = self.serializer_class(objects, many=many).data
        if many:
            return [_without(item, hidden) for item in data]
        return _without(data, hidden)

    def list(self, request: Request) -> Response:
        return paged(
            self, request, self.filtered_queryset(request), lambda rows: self._out(rows, many=True)
        )

    def create(self, request: Request) -> Response:
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        obj = self.create_object(dict(data.validated_data), staff_actor(request.user))
        return Response(self._out(obj), status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._out(get_or_404(self.model, pk=pk)))

    def partial_update(self, request: Request, pk: str) -> Response:
        obj = get_or_404(self.model, pk=pk)
        data = self.serializer_class(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changed = self.update_object(obj, dict(data.validated_data), staff_actor(request.user))
        return Response(self._out(changed))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        self.delete_object(get_or_404(self.model, pk=pk), staff_actor(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
