"""The audit trail: the tenant's event log, read-only, with filters."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.crud import get_or_404
from dockpulse.api.params import datetime_param, page, text_param, uuid_param
from dockpulse.api.permissions import RolePermission

from . import selectors
from .models import EventLog


class EventOut(serializers.ModelSerializer):
    class Meta:
        model = EventLog
        fields = ["id", "event_id", "event_type", "source_module", "entity_type", "entity_id",
                  "payload", "user_id", "actor_type", "created_at", "dispatched_at"]  # fmt: skip
        read_only_fields = fields


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
            event_type=text_param(request, "event_type"),
            entity_type=text_param(request, "entity_type"),
            entity_id=uuid_param(request, "entity_id"),
            actor=uuid_param(request, "actor"),
            since=datetime_param(request, "since"),
            until=datetime_param(request, "until"),
        )
        return page(self, request, rows, EventOut)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(EventOut(get_or_404(EventLog, pk=pk)).data)
