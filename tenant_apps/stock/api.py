"""Stock over the API: levels, the movement ledger, receipts and adjustments, warehouses.

Every view is resource "stock" (read: every staff role; write: managers and admins;
`receive`, the view action of that name, every staff role) of module "@stock" (a disabled
module answers 404). Every write is a service call.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.crud import get_or_404
from dockpulse.api.params import bool_param, page, text_param, uuid_param, valid
from dockpulse.api.permissions import RolePermission
from dockpulse.api.serializers import StrictSerializer

from . import inputs, selectors
from .models import StockMovement, Warehouse
from .services.common import MODULE
from .services.receipts import stock_adjust, stock_level_update, stock_receive
from .services.warehouses import (
    warehouse_create,
    warehouse_default,
    warehouse_delete,
    warehouse_update,
)

UUID_PATTERN = "[0-9a-fA-F-]{36}"


def _quantity(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=3, **kwargs)


# --- serializers -------------------------------------------------------------------------


class WarehouseSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    # Blank values reach the input layer (stock.inputs), which names every problem at once.
    code = serializers.CharField(max_length=30, allow_blank=True)
    name = serializers.CharField(max_length=255, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    is_default = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class LevelOut(serializers.Serializer):
    id = serializers.UUIDField()
    product = serializers.UUIDField(source="product_id")
    product_code = serializers.CharField(source="product.code")
    product_name = serializers.CharField(source="product.name")
    unit = serializers.CharField(source="product.unit")
    warehouse = serializers.UUIDField(source="warehouse_id")
    warehouse_code = serializers.CharField(source="warehouse.code")
    on_hand = _quantity()
    reserved = _quantity()
    available = _quantity(help_text="on_hand - reserved")
    low_stock_threshold = _quantity()
    is_low = serializers.BooleanField(help_text="available < low_stock_threshold")
    updated_at = serializers.DateTimeField()


class LevelIn(StrictSerializer):
    low_stock_threshold = serializers.CharField(
        max_length=30, help_text="0 turns low-stock alerts off"
    )


class MovementOut(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=StockMovement.Kind.choices)
    level = serializers.UUIDField(source="stock_level_id")
    product = serializers.UUIDField(source="stock_level.product_id")
    product_code = serializers.CharField(source="stock_level.product.code")
    warehouse = serializers.UUIDField(source="stock_level.warehouse_id")
    warehouse_code = serializers.CharField(source="stock_level.warehouse.code")
    on_hand_change = _quantity()
    reserved_change = _quantity()
    on_hand_after = _quantity()
    reserved_after = _quantity()
    reason = serializers.CharField()
    reference = serializers.CharField()
    order = serializers.UUIDField(source="order_id", allow_null=True)
    reservation = serializers.UUIDField(source="reservation_id", allow_null=True)
    actor_id = serializers.UUIDField(allow_null=True)
    actor_type = serializers.CharField()
    actor_name = serializers.CharField()
    created_at = serializers.DateTimeField()


class OperationIn(StrictSerializer):
    # Ids and numbers are checked by stock.inputs, so every bad field is named at once.
    product = serializers.CharField(max_length=64, help_text="product id")
    warehouse = serializers.CharField(
        max_length=64, required=False, allow_blank=True, allow_null=True,
        help_text="warehouse id; the default warehouse when left out",
    )  # fmt: skip
    quantity = serializers.CharField(max_length=30)
    # Blank passes here so that the input layer's own message says what is missing.
    reason = serializers.CharField(max_length=255, allow_blank=True)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ReceiveIn(OperationIn):
    quantity = serializers.CharField(max_length=30, help_text="greater than zero")
    reason = serializers.CharField(
        max_length=255, default="", allow_blank=True, help_text="optional"
    )


class AdjustIn(OperationIn):
    quantity = serializers.CharField(
        max_length=30, help_text="signed change of on_hand, not zero (e.g. -2 for damage)"
    )


class OperationOut(serializers.Serializer):
    movement = MovementOut()
    level = LevelOut()


# --- helpers -----------------------------------------------------------------------------


class _StockView(viewsets.ViewSet):
    resource = "stock"
    module = MODULE
    permission_classes = [RolePermission]
    lookup_value_regex = UUID_PATTERN


_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="UUID")


# --- views -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("product", str, description="product id"),
            OpenApiParameter("warehouse", str, description="warehouse id"),
            OpenApiParameter("low", bool, description="available below the threshold"),
        ],
        responses=LevelOut(many=True),
    ),
    retrieve=extend_schema(parameters=[_ID], responses=LevelOut),
    partial_update=extend_schema(parameters=[_ID], request=LevelIn, responses=LevelOut),
)
class StockLevelViewSet(_StockView):
    """Stock levels per product and warehouse, with available = on_hand - reserved."""

    def list(self, request: Request) -> Response:
        levels = selectors.level_list(
            product=uuid_param(request, "product"),
            warehouse=uuid_param(request, "warehouse"),
            low=bool_param(request, "low"),
        )
        return page(self, request, levels, LevelOut)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(LevelOut(get_or_404(selectors.level_list(), pk=pk)).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        level = get_or_404(selectors.level_list(), pk=pk)
        threshold = inputs.level_threshold(valid(LevelIn, request))
        stock_level_update(
            level=level, low_stock_threshold=threshold, actor=inputs.staff(request.user)
        )
        return Response(LevelOut(selectors.level_get(level.pk)).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("product", str, description="product id"),
            OpenApiParameter("warehouse", str, description="warehouse id"),
            OpenApiParameter("order", str, description="order id"),
            OpenApiParameter(
                "kind",
                str,
                description="one or more, comma-separated: " + ", ".join(StockMovement.Kind.values),
            ),
        ],
        responses=MovementOut(many=True),
    ),
    retrieve=extend_schema(parameters=[_ID], responses=MovementOut),
)
class StockMovementViewSet(_StockView):
    """The ledger, newest first: read-only."""

    def list(self, request: Request) -> Response:
        movements = selectors.movement_list(
            product=uuid_param(request, "product"),
            warehouse=uuid_param(request, "warehouse"),
            kind=text_param(request, "kind"),
            order=uuid_param(request, "order"),
        )
        return page(self, request, movements, MovementOut)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MovementOut(get_or_404(selectors.movement_list(), pk=pk)).data)


class StockOperationViewSet(_StockView):
    """Receipts and adjustments: each writes one movement and answers with it and the level."""

    def _done(self, movement: StockMovement) -> Response:
        fresh = selectors.movement_get(movement.pk)
        body = {
            "movement": MovementOut(fresh).data,
            "level": LevelOut(selectors.level_get(fresh.stock_level_id)).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceiveIn, responses={201: OperationOut})
    @action(detail=False, methods=["post"])
    def receive(self, request: Request) -> Response:
        op = inputs.clean_operation(**valid(ReceiveIn, request), signed=False)
        movement = stock_receive(
            product=op.product, warehouse=op.warehouse, quantity=op.quantity, reason=op.reason,
            reference=op.reference, actor=inputs.staff(request.user),
        )  # fmt: skip
        return self._done(movement)

    @extend_schema(request=AdjustIn, responses={201: OperationOut})
    @action(detail=False, methods=["post"])
    def adjust(self, request: Request) -> Response:
        op = inputs.clean_operation(**valid(AdjustIn, request), signed=True)
        movement = stock_adjust(
            product=op.product, warehouse=op.warehouse, quantity=op.quantity, reason=op.reason,
            reference=op.reference, actor=inputs.staff(request.user),
        )  # fmt: skip
        return self._done(movement)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("is_active", bool)], responses=WarehouseSerializer(many=True)
    ),
    retrieve=extend_schema(parameters=[_ID], responses=WarehouseSerializer),
    create=extend_schema(request=WarehouseSerializer, responses={201: WarehouseSerializer}),
    partial_update=extend_schema(
        parameters=[_ID], request=WarehouseSerializer(partial=True), responses=WarehouseSerializer
    ),
    destroy=extend_schema(parameters=[_ID], responses={204: None}),
)
class WarehouseViewSet(_StockView):
    """Warehouses; exactly one is the default (making another the default moves it)."""

    conflict_actions = ("destroy",)  # the default one, or one holding stock, stays

    def list(self, request: Request) -> Response:
        warehouse_default()  # made on first need (once per tenant)
        warehouses = selectors.warehouse_list(active=bool_param(request, "is_active"))
        return page(self, request, warehouses, WarehouseSerializer)

    def create(self, request: Request) -> Response:
        values = inputs.warehouse_input(valid(WarehouseSerializer, request))
        warehouse = warehouse_create(values=values, actor=inputs.staff(request.user))
        return Response(WarehouseSerializer(warehouse).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(WarehouseSerializer(get_or_404(Warehouse, pk=pk)).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        warehouse = get_or_404(Warehouse, pk=pk)
        changes = inputs.warehouse_changes(
            valid(WarehouseSerializer, request, partial=True), warehouse=warehouse
        )
        warehouse = warehouse_update(
            warehouse=warehouse, changes=changes, actor=inputs.staff(request.user)
        )
        return Response(WarehouseSerializer(warehouse).data)

    def destroy(self, request: Request, pk: str) -> Response:
        warehouse_delete(warehouse=get_or_404(Warehouse, pk=pk), actor=inputs.staff(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
