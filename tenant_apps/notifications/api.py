"""Workflow triggers (admins), the delivery log (managers), and each user's in-app inbox."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.actors import staff_actor
from dockpulse.api.crud import get_or_404
from dockpulse.api.pagination import Pagination
from dockpulse.api.params import bool_param, page, text_param, uuid_param
from dockpulse.api.permissions import RolePermission
from dockpulse.api.serializers import StrictSerializer
from dockpulse.events.types import EVENT_TYPES
from tenant_apps.accounts.models import User

from . import inputs, selectors, services
from .models import ActionType, NotificationDelivery, WorkflowTrigger

UUID_PATTERN = "[0-9a-fA-F-]{36}"


class TriggerIn(StrictSerializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=100)
    name = serializers.CharField(max_length=255, allow_blank=True)
    event_type = serializers.CharField(max_length=100, help_text=", ".join(EVENT_TYPES))
    action_type = serializers.CharField(max_length=20, help_text=", ".join(ActionType.values))
    action_config = serializers.DictField(
        required=False,
        help_text='sms/email: {"to": "admins" | "customer" | [addresses], "template"?}; '
        'push: {"to": "admins" | "staff" | "customer"}; webhook: {"url", "secret"?}',
    )
    is_enabled = serializers.BooleanField(required=False)


class TriggerOut(serializers.ModelSerializer):
    class Meta:
        model = WorkflowTrigger
        fields = ["id", "code", "name", "event_type", "action_type", "action_config",
                  "is_enabled", "consecutive_failures", "disabled_reason", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields


class DeliveryOut(serializers.ModelSerializer):
    trigger_code = serializers.CharField(source="trigger.code", default=None)
    event_id = serializers.UUIDField(source="event.event_id")
    event_type = serializers.CharField(source="event.event_type")

    class Meta:
        model = NotificationDelivery
        fields = ["id", "trigger", "trigger_code", "event_id", "event_type", "channel",
                  "recipient", "subject", "body", "status", "attempts", "last_error",
                  "sent_at", "created_at"]  # fmt: skip
        read_only_fields = fields


class NotificationOut(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    body = serializers.CharField()
    data = serializers.DictField()  # type: ignore[assignment]  # a field, not Serializer.data
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class MarkReadIn(StrictSerializer):
    ids = serializers.ListField(child=serializers.UUIDField(), required=False)


class MarkedReadOut(serializers.Serializer):
    marked = serializers.IntegerField(help_text="how many were unread and are read now")
    unread_count = serializers.IntegerField(help_text="the user's unread ones left")


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # RolePermission let only staff users in
    return request.user


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("event_type", str)], responses=TriggerOut(many=True)
    ),
    retrieve=extend_schema(responses=TriggerOut),
    create=extend_schema(request=TriggerIn, responses={201: TriggerOut}),
    partial_update=extend_schema(request=TriggerIn(partial=True), responses=TriggerOut),
    destroy=extend_schema(responses={204: None}),
)
class TriggerViewSet(viewsets.ViewSet):
    resource = "settings"
    pagination_class = None  # every trigger at once, not in pages
    module = "@notifications"
    permission_classes = [RolePermission]
    lookup_value_regex = UUID_PATTERN

    def list(self, request: Request) -> Response:
        triggers = selectors.trigger_list(event_type=text_param(request, "event_type"))
        return Response(TriggerOut(triggers, many=True).data)

    def create(self, request: Request) -> Response:
        data = TriggerIn(data=request.data)
        data.is_valid(raise_exception=True)
        trigger = services.trigger_create(
            values=inputs.trigger_input(**data.validated_data), actor=staff_actor(_user(request))
        )
        return Response(TriggerOut(trigger).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(TriggerOut(get_or_404(WorkflowTrigger, pk=pk)).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        trigger = get_or_404(WorkflowTrigger, pk=pk)
        data = TriggerIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        trigger = services.trigger_update(
            trigger=trigger,
            changes=inputs.trigger_changes(trigger, data.validated_data),
            actor=staff_actor(_user(request)),
        )
        return Response(TriggerOut(trigger).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.trigger_delete(
            trigger=get_or_404(WorkflowTrigger, pk=pk), actor=staff_actor(_user(request))
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description="one or more, comma-separated: pending, sending, retry, sent, "
                "failed, skipped (the trigger found no recipient; last_error says why)",
            ),
            OpenApiParameter("channel", str, enum=ActionType.values),
            OpenApiParameter("trigger", str, description="trigger id"),
            OpenApiParameter("event_type", str),
        ],
        responses=DeliveryOut(many=True),
    ),
    retrieve=extend_schema(responses=DeliveryOut),
)
class DeliveryViewSet(viewsets.ViewSet):
    """The delivery log: every message a trigger sent or tried to send, and every time a
    trigger found nobody to message (`skipped`, with the reason in `last_error`)."""

    resource = "notifications"
    module = "@notifications"
    conflict_actions = ("retry",)  # only a failed delivery is sent again
    permission_classes = [RolePermission]
    lookup_value_regex = UUID_PATTERN

    def list(self, request: Request) -> Response:
        rows = selectors.delivery_list(
            status=text_param(request, "status"),
            channel=text_param(request, "channel"),
            trigger=uuid_param(request, "trigger"),
            event_type=text_param(request, "event_type"),
        )
        return page(self, request, rows, DeliveryOut)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(DeliveryOut(get_or_404(selectors.delivery_list(), pk=pk)).data)

    @extend_schema(request=None, responses=DeliveryOut)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        """Send a failed or waiting delivery again now, with a fresh retry schedule
        (409 `not_retryable` for one that was sent or skipped)."""
        delivery = get_or_404(selectors.delivery_list(), pk=pk)
        return Response(DeliveryOut(services.notification_retry(delivery=delivery)).data)


class InboxPagination(Pagination):
    """The inbox's page also carries the user's unread count (for the bell's badge).

    Here, not in the view, so that the answer and the schema (both of which follow the
    view's pagination_class) cannot disagree about it.
    """

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        # paginate_queryset, which always runs first, kept the request.
        assert self.request is not None
        response.data["unread_count"] = selectors.unread_count(user=_user(self.request))
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged: dict[str, Any] = super().get_paginated_response_schema(schema)
        paged["properties"]["unread_count"] = {"type": "integer", "example": 3}
        paged["required"] = [*paged.get("required", []), "unread_count"]
        return paged


class InboxViewSet(viewsets.ViewSet):
    """The signed-in user's in-app notifications (the push channel)."""

    resource = "inbox"
    pagination_class = InboxPagination
    permission_classes = [RolePermission]

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool)],
        responses=NotificationOut(many=True),
        description="Paginated; the answer also carries `unread_count`.",
    )
    def list(self, request: Request) -> Response:
        # Strict, as every boolean filter of the API: `unread=maybe` is a 400 naming it.
        unread = bool_param(request, "unread") or False
        return page(
            self, request, selectors.inbox(user=_user(request), unread_only=unread), NotificationOut
        )

    @extend_schema(request=MarkReadIn, responses={200: MarkedReadOut})
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        data = MarkReadIn(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.notifications_mark_read(
            user=_user(request), ids=data.validated_data.get("ids")
        )
        return Response(
            {"marked": changed, "unread_count": selectors.unread_count(user=_user(request))}
        )
