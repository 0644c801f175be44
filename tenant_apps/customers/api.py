"""Customers API: list/search, CRUD, CSV import (with dry run) and export."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.pagination import Pagination
from dockpulse.api.permissions import RolePermission
from tenant_apps.configuration.fields import hidden_fields, strip_hidden

from . import selectors, services
from .models import Customer


class AddressSerializer(serializers.Serializer):
    street = serializers.CharField(required=False, allow_blank=True)
    postal_code = serializers.CharField(required=False, allow_blank=True)
    city = serializers.CharField(required=False, allow_blank=True)
    country = serializers.CharField(required=False, max_length=2)


class CustomerSerializer(serializers.Serializer):
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

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = set(data) - {n for n, f in self.fields.items() if not f.read_only}
            if unknown:
                raise serializers.ValidationError(
                    {n: [_("Unknown field.")] for n in sorted(unknown)}
                )
        return super().to_internal_value(data)


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    # Declared fields shadow Serializer.errors only on the class body, not on instances.
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]


class CustomerViewSet(viewsets.ViewSet):
    resource = "customers"
    module = "@customers"
    permission_classes = [RolePermission]
    queryset = Customer.objects.none()  # for the schema only
    parser_classes = [JSONParser, MultiPartParser]

    def _out(self, customers: Any, many: bool = False) -> Any:
        hidden = hidden_fields("customer")
        data = CustomerSerializer(customers, many=many).data
        if many:
            return [strip_hidden("customer", item, hidden) for item in data]
        return strip_hidden("customer", data, hidden)

    @extend_schema(
        parameters=[OpenApiParameter("search", str), OpenApiParameter("tag", str)],
        responses=CustomerSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        qs = selectors.customer_list(
            search=request.query_params.get("search", "").strip(),
            tag=request.query_params.get("tag", "").strip(),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
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

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}}},
        parameters=[OpenApiParameter("dry_run", bool, description="check only, write nothing")],
        responses={200: ImportReportSerializer, 400: ImportReportSerializer},
    )  # fmt: skip
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": [_("Attach the CSV file as `file`.")]})
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        report = services.customer_import(raw=upload.read(), dry_run=dry_run, actor=request.user)
        body = ImportReportSerializer(report).data
        if report.errors:
            return Response(
                {
                    "error": {
                        "code": "invalid_rows",
                        "message": ngettext(
                            "%(count)d row is not valid; nothing was imported.",
                            "%(count)d rows are not valid; nothing was imported.",
                            len(report.errors),
                        )
                        % {"count": len(report.errors)},
                        "fields": {},
                    },
                    **body,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )  # fmt: skip
        return Response(body)

    @extend_schema(
        parameters=[OpenApiParameter("search", str), OpenApiParameter("tag", str)],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export_csv(self, request: Request) -> HttpResponse:
        qs = selectors.customer_list(
            search=request.query_params.get("search", "").strip(),
            tag=request.query_params.get("tag", "").strip(),
        )
        body = services.customer_export_csv(qs.iterator(), hidden_fields("customer"))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="customers.csv"'
        return response
