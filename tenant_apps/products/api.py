"""Products API: list/search/filter, CRUD, CSV import (with dry run) and export."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request

from dockpulse.actors import Actor
from dockpulse.api.crud import ServiceViewSet
from dockpulse.api.params import text_param
from dockpulse.api.serializers import StrictSerializer

from . import inputs, selectors, services
from .models import Product, Unit, VatRate


# The docstrings of the serializers are the schema's descriptions: keep them as published.
# Cleaning the values is inputs.py's (price, unit, VAT), the database's rules are the
# service's (a code no other product has, the field settings).
class ProductSerializer(StrictSerializer):
    """Input and output; price, unit, VAT and uniqueness rules are the service's."""

    id = serializers.UUIDField(read_only=True)
    # Blank values reach inputs.py, so one answer names every problem.
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


@extend_schema_view(
    list=extend_schema(parameters=_FILTERS),
    # The export writes what the list shows: the same filters (and their 400).
    export_csv=extend_schema(parameters=_FILTERS),
)
class ProductViewSet(ServiceViewSet):
    resource = "products"
    module = "@products"
    conflict_actions = ("destroy",)  # a product on documents or in stock stays
    model = Product
    serializer_class = ProductSerializer
    queryset = Product.objects.none()  # for the schema only
    csv_import = staticmethod(services.product_import)
    csv_export = staticmethod(services.product_export_csv)
    csv_filename = "products.csv"
    csv_entity = "product"

    def filtered_queryset(self, request: Request) -> Any:
        active = request.query_params.get("is_active")
        return selectors.product_list(
            search=text_param(request, "search"),
            category=text_param(request, "category"),
            unit=text_param(request, "unit"),
            active=None if active is None else active.lower() in ("1", "true", "yes"),
        )

    def create_object(self, data: dict[str, Any], actor: Actor) -> Product:
        with services.product_problems(instance=None):
            values = inputs.product_input(data)
        return services.product_create(values=values, actor=actor)

    def update_object(self, obj: Product, data: dict[str, Any], actor: Actor) -> Product:
        with services.product_problems(instance=obj):
            changes = inputs.product_changes(data)
        return services.product_update(product=obj, changes=changes, actor=actor)

    def delete_object(self, obj: Product, actor: Actor) -> None:
        services.product_delete(product=obj, actor=actor)
