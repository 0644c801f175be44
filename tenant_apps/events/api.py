"""The audit trail: the tenant's event log, read-only, with filters."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.crud import get_or_404
from dockpulse.api.pagination import Pagination
from dockpulse.api.permissions import RolePermission

from . import selectors
from .models import EventLog


class EventOut(serializers.ModelSerializer):
    class Meta:
        model = EventLog
        fields = ["id", "event_id", "event_type", "source_module", "entity_type", "entity_id",
                  "payload", "user_id", "actor_type", "created_at", "dispatched_at"]  # fmt: skip
        read_only_fields = fields


def _param_uuid(request: Request, name: str) -> uuid.UUID | None:
    raw = request.query_params.get(name, "").strip()
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError as exc:
        raise ValidationError({name: [_("Enter a valid id.")]}) from exc


def _param_time(request: Request, name: str) -> object:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return serializers.DateTimeField().to_internal_value(raw)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from exc


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("event_type", str, description="exact, or a prefix such as order."),
            OpenApiParameter("entity_type", str),
            OpenApiParameter("entity_id", str),
            OpenApiParameter("actor", str, description="user or customer id"),
            OpenApiParameter("since", str, description="ISO date-time"),
            OpenApiParameter("until", str, description="ISO date-time"),
        ],
        responses=EventOut(many=True),
    ),
    retrieve=extend_schema(responses=EventOut),
)
class EventViewSet(viewsets.ViewSet):
    resource = "events"
    permission_classes = [RolePermission]
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def list(self, request: Request) -> Response:
        rows = selectors.event_list(
            event_type=request.query_params.get("event_type", "").strip(),
            entity_type=request.query_params.get("entity_type", "").strip(),
            entity_id=_param_uuid(request, "entity_id"),
            actor=_param_uuid(request, "actor"),
            since=_param_time(request, "since"),  # type: ignore[arg-type]
            until=_param_time(request, "until"),  # type: ignore[arg-type]
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(EventOut(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(EventOut(get_or_404(EventLog, pk=pk)).data)
