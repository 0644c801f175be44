"""Customers API: list/search, CRUD, CSV import (with dry run) and export."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.actors import Actor
from dockpulse.api.crud import ServiceViewSet, get_or_404
from dockpulse.api.params import page
from dockpulse.api.serializers import StrictSerializer

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
    is_portal_active = serializers.BooleanField(required=False)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


_FILTERS = [OpenApiParameter("search", str), OpenApiParameter("tag", str)]


class TimelineOut(serializers.Serializer):
    event_id = serializers.UUIDField(source="event.event_id")
    event_type = serializers.CharField()
    entity_type = serializers.CharField()
    entity_id = serializers.UUIDField(allow_null=True)
    summary = serializers.DictField()
    occurred_at = serializers.DateTimeField()


@extend_schema_view(list=extend_schema(parameters=_FILTERS))
class CustomerViewSet(ServiceViewSet):
    resource = "customers"
    module = "@customers"
    model = Customer
    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()  # for the schema only
    csv_import = staticmethod(services.customer_import)
    csv_export = staticmethod(services.customer_export_csv)
    csv_filename = "customers.csv"
    csv_entity = "customer"

    def filtered_queryset(self, request: Request) -> Any:
        return selectors.customer_list(
            search=request.query_params.get("search", "").strip(),
            tag=request.query_params.get("tag", "").strip(),
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
