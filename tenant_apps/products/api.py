"""Products API: list/search/filter, CRUD, CSV import (with dry run) and export."""

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
from .models import Product, Unit, VatRate


class ProductSerializer(StrictSerializer):
    """Input and output; price, unit, VAT and uniqueness rules are the service's."""

    id = serializers.UUIDField(read_only=True)
    # Blank values reach the service, which names every problem at once.
    code = serializers.CharField(max_length=50, allow_blank=True)
    name = serializers.CharField(max_length=255, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)
    price = serializers.CharField(max_length=20, help_text="Net price, e.g. 12.50")
    unit = serializers.CharField(max_length=10, required=False, help_text=", ".join(Unit.values))
    vat_rate = serializers.CharField(
        max_length=3, required=False, help_text=", ".join(VatRate.values)
    )
    is_active = serializers.BooleanField(required=False)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["price"] = f"{instance.price:.2f}"
        return data


_FILTERS = [
    OpenApiParameter("search", str),
    OpenApiParameter("category", str),
    OpenApiParameter("unit", str, enum=Unit.values),
    OpenApiParameter("is_active", bool),
]


class ProductViewSet(CsvActionsMixin, viewsets.ViewSet):
    resource = "products"
    module = "@products"
    permission_classes = [RolePermission]
    queryset = Product.objects.none()  # for the schema only
    parser_classes = [JSONParser, MultiPartParser]
    csv_import = staticmethod(services.product_import)
    csv_export = staticmethod(services.product_export_csv)
    csv_filename = "products.csv"
    csv_entity = "product"

    def filtered_queryset(self, request: Request) -> Any:
        active = request.query_params.get("is_active")
        return selectors.product_list(
            search=request.query_params.get("search", "").strip(),
            category=request.query_params.get("category", "").strip(),
            unit=request.query_params.get("unit", "").strip(),
            active=None if active is None else active.lower() in ("1", "true", "yes"),
        )

    def _out(self, products: Any, many: bool = False) -> Any:
        hidden = hidden_fields("product")
        data = ProductSerializer(products, many=many).data
        if many:
            return [strip_hidden("product", item, hidden) for item in data]
        return strip_hidden("product", data, hidden)

    @extend_schema(parameters=_FILTERS, responses=ProductSerializer(many=True))
    def list(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(self.filtered_queryset(request), request, view=self)
        return paginator.get_paginated_response(self._out(page, many=True))

    @extend_schema(request=ProductSerializer, responses={201: ProductSerializer})
    def create(self, request: Request) -> Response:
        data = ProductSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(data=dict(data.validated_data), actor=request.user)
        return Response(self._out(product), status=status.HTTP_201_CREATED)

    @extend_schema(responses=ProductSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._out(get_object_or_404(Product, pk=pk)))

    @extend_schema(request=ProductSerializer, responses=ProductSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        product = get_object_or_404(Product, pk=pk)
        data = ProductSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        product = services.product_update(
            product=product, data=dict(data.validated_data), actor=request.user
        )
        return Response(self._out(product))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.product_delete(product=get_object_or_404(Product, pk=pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
