"""Customers API: list/search, CRUD, CSV import (with dry run) and export."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.csv_views import CsvActionsMixin
from dockpulse.api.pagination import Pagination
from dockpulse.api.permissions import RolePermission
from dockpulse.api.serializers import StrictSerializer
from tenant_apps.configuration.fields import hidden_fields, strip_hidden

from . import selectors, services
from .models import Customer


class AddressSerializer(StrictSerializer):
    street = serializers.CharField(required=False, allow_blank=True)
    postal_code = serializers.CharField(required=False, allow_blank=True)
    city = serializers.CharField(required=False, allow_blank=True)
    country = serializers.CharField(required=False, max_length=2)


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


class CustomerViewSet(CsvActionsMixin, viewsets.ViewSet):
    resource = "customers"
    module = "@customers"
    permission_classes = [RolePermission]
    queryset = Customer.objects.none()  # for the schema only
    parser_classes = [JSONParser, MultiPartParser]
    csv_import = staticmethod(services.customer_import)
    csv_export = staticmethod(services.customer_export_csv)
    csv_filename = "customers.csv"
    csv_entity = "customer"

    def filtered_queryset(self, request: Request) -> Any:
        return selectors.customer_list(
            search=request.query_params.get("search", "").strip(),
            tag=request.query_params.get("tag", "").strip(),
        )

    def _out(self, customers: Any, many: bool = False) -> Any:
        hidden = hidden_fields("customer")
        data = CustomerSerializer(customers, many=many).data
        if many:
            return [strip_hidden("customer", item, hidden) for item in data]
        return strip_hidden("customer", data, hidden)

    @extend_schema(parameters=_FILTERS, responses=CustomerSerializer(many=True))
    def list(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(self.filtered_queryset(request), request, view=self)
        return paginator.get_paginated_response(self._out(page, many=True))

    @extend_schema(request=CustomerSerializer, responses={201: CustomerSerializer})
    def create(self, request: Request) -> Response:
        data = CustomerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_create(data=dict(data.validated_data), actor=request.user)
        return Response(self._out(customer), status=status.HTTP_201_CREATED)

    @extend_schema(responses=CustomerSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._out(get_object_or_404(Customer, pk=pk)))

    @extend_schema(request=CustomerSerializer, responses=CustomerSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        customer = get_object_or_404(Customer, pk=pk)
        data = CustomerSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        customer = services.customer_update(
            customer=customer, data=dict(data.validated_data), actor=request.user
        )
        return Response(self._out(customer))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.customer_delete(customer=get_object_or_404(Customer, pk=pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
