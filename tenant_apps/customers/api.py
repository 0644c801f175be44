"""Customers API: list/search, CRUD, CSV import (with dry run) and export, portal access."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.actors import Actor, staff_actor
from dockpulse.api.crud import ServiceViewSet, get_or_404
from dockpulse.api.params import page, text_param
from dockpulse.api.serializers import StrictSerializer
from dockpulse.modules import module_switch

from . import inputs, selectors, services
from .models import Customer


class AddressSerializer(StrictSerializer):
    street = serializers.CharField(required=False, allow_blank=True)
    postal_code = serializers.CharField(required=False, allow_blank=True)
    city = serializers.CharField(required=False, allow_blank=True)
    country = serializers.CharField(required=False, max_length=2)


# The docstrings of the serializers are the schema's descriptions: keep them as published.
# Cleaning the values is inputs.py's (phone, NIP, e-mail), the database's rules are the
# service's (a free phone, the field settings).
class CustomerSerializer(StrictSerializer):
    """Input and output; the rules (NIP, phone, uniqueness, field settings) are the service's."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=255)
    company_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    nip = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = AddressSerializer(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    is_portal_active = serializers.BooleanField(
        read_only=True,
        help_text="On once a password was sent by SMS: POST and DELETE on portal-access/.",
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_internal_value(self, data: Any) -> Any:
        # Portal access is not a value to write: turning it on sends a password by SMS.
        # Said on the field, next to any other field's problem.
        if not (isinstance(data, Mapping) and "is_portal_active" in data):
            return super().to_internal_value(data)
        problems: dict[str, Any] = {"is_portal_active": [_(
            "Portal access is turned on and off with POST and DELETE on "
            "/api/v1/customers/<id>/portal-access/ (turning it on sends the customer a "
            "password by SMS)."
        )]}  # fmt: skip
        rest = {key: value for key, value in data.items() if key != "is_portal_active"}
        try:
            super().to_internal_value(rest)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                problems = {**exc.detail, **problems}
        raise serializers.ValidationError(problems)


_FILTERS = [OpenApiParameter("search", str), OpenApiParameter("tag", str)]
PORTAL_MODULE = "@portal"


class TimelineOut(serializers.Serializer):
    event_id = serializers.UUIDField(source="event.event_id")
    event_type = serializers.CharField()
    entity_type = serializers.CharField()
    entity_id = serializers.UUIDField(allow_null=True)
    summary = serializers.DictField()
    occurred_at = serializers.DateTimeField()


@extend_schema_view(
    list=extend_schema(parameters=_FILTERS),
    # The export writes what the list shows: the same filters (and their 400).
    export_csv=extend_schema(parameters=_FILTERS),
)
class CustomerViewSet(ServiceViewSet):
    resource = "customers"
    module = "@customers"
    conflict_actions = ("destroy",)  # a customer with orders or quotes stays
    model = Customer
    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()  # for the schema only
    csv_import = staticmethod(services.customer_import)
    csv_export = staticmethod(services.customer_export_csv)
    csv_filename = "customers.csv"
    csv_entity = "customer"

    def check_permissions(self, request: Request) -> None:
        # Portal access is the portal module's too: off, it is a 404 for every role, as
        # RolePermission answers for a module that is off.
        user = request.user
        if (
            self.action == "portal_access"
            and user
            and user.is_authenticated
            and not module_switch().is_enabled(PORTAL_MODULE)
        ):
            raise NotFound()
        super().check_permissions(request)

    def filtered_queryset(self, request: Request) -> Any:
        return selectors.customer_list(
            search=text_param(request, "search"),
            tag=text_param(request, "tag"),
        )

    def create_object(self, data: dict[str, Any], actor: Actor) -> Customer:
        with services.customer_problems(instance=None):
            values = inputs.customer_input(data)
        return services.customer_create(values=values, actor=actor)

    def update_object(self, obj: Customer, data: dict[str, Any], actor: Actor) -> Customer:
        with services.customer_problems(instance=obj):
            changes = inputs.customer_changes(data)
        return services.customer_update(customer=obj, changes=changes, actor=actor)

    def delete_object(self, obj: Customer, actor: Actor) -> None:
        services.customer_delete(customer=obj, actor=actor)

    @extend_schema(responses=TimelineOut(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str) -> Response:
        """The customer's timeline: orders, quotes and changes, newest first."""
        customer = get_or_404(Customer, pk=pk)
        return page(self, request, selectors.timeline(customer), TimelineOut)

    @extend_schema(
        methods=["POST"],
        request=None,
        responses={
            200: CustomerSerializer,
            400: OpenApiResponse(description="`phone`: no SMS can reach the customer."),
            403: OpenApiResponse(description="The role may not change customers."),
            404: OpenApiResponse(description="No such customer, or the portal module is off."),
            409: OpenApiResponse(
                description="`sms_not_sent`: the SMS provider failed; nothing changed."
            ),
        },
        description=(
            "Turn the customer's portal access on, or send a new password when it is on: "
            "a new 8-character password goes to the customer's phone by SMS (never in "
            "this answer), must be changed at the first sign-in, and ends the customer's "
            "earlier portal sessions and tokens. Answers the customer."
        ),
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={
            204: None,
            403: OpenApiResponse(description="The role may not change customers."),
            404: OpenApiResponse(description="No such customer, or the portal module is off."),
        },
        description=(
            "Turn the customer's portal access off: the password is cleared and the "
            "customer's portal sessions and tokens stop working. Done already is fine."
        ),
    )
    @action(detail=True, methods=["post", "delete"], url_path="portal-access")
    def portal_access(self, request: Request, pk: str) -> Response:
        customer = get_or_404(Customer, pk=pk)
        actor = staff_actor(request.user)
        if request.method == "DELETE":
            services.customer_portal_access_revoke(customer=customer, actor=actor)
            return Response(status=status.HTTP_204_NO_CONTENT)
        services.customer_portal_access_grant(customer=customer, actor=actor)
        return Response(self._out(customer))
