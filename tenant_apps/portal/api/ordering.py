"""Portal API: placing an order, repeating one, and the catalogue to order from (issue 15).

Every view derives from `PortalCustomerAPIView` (portal tokens only, 404 while @portal is
off, 403 until the SMS password is changed) and acts for `portal_customer(request)`.
`PortalOrderPlaceView` (POST) is routed by the lead together with the order list (GET)
on `portal/orders/`.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.params import page, text_param, valid
from dockpulse.api.serializers import StrictSerializer
from tenant_apps.portal.selectors import catalogue as selectors
from tenant_apps.portal.services import ordering as services
from tenant_apps.sales.models import Order

from .base import PortalCustomerAPIView, portal_customer


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2)


class PlaceLineIn(StrictSerializer):
    product = serializers.UUIDField(help_text="an active product's id (GET portal/products/)")
    # A string or a JSON number, in the product's unit; whole numbers for szt, kpl, op.
    quantity = serializers.CharField(max_length=30, help_text='e.g. "2" or "1.5"')

    class Meta:
        ref_name = "PortalOrderLineIn"


class PlaceAddressIn(StrictSerializer):
    street = serializers.CharField(required=False, allow_blank=True, max_length=255)
    postal_code = serializers.CharField(required=False, allow_blank=True, max_length=16)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)

    class Meta:
        ref_name = "PortalOrderAddressIn"


class PlaceIn(StrictSerializer):
    lines = PlaceLineIn(many=True, allow_empty=False)
    delivery_date = serializers.DateField(
        required=False, allow_null=True, help_text="not in the past; none: any day"
    )
    delivery_address = PlaceAddressIn(
        required=False,
        help_text="street, postal_code and city required when given; left out: the profile's",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    class Meta:
        ref_name = "PortalOrderPlaceIn"


class PlacedLineOut(serializers.Serializer):
    product = serializers.UUIDField(source="product_id", allow_null=True)
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = serializers.CharField()
    total_net = _money()
    total_vat = _money()
    total_gross = _money()

    class Meta:
        ref_name = "PortalPlacedLine"


class PlacedOrderOut(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source
    delivery_date = serializers.DateField(allow_null=True)
    delivery_address = serializers.DictField(child=serializers.CharField())
    notes = serializers.CharField()
    lines = PlacedLineOut(many=True, source="lines.all")
    total_net = _money()
    total_vat = _money()
    total_gross = _money()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "PortalPlacedOrder"


class ReorderOut(serializers.Serializer):
    order = PlacedOrderOut()
    skipped = serializers.ListField(
        child=serializers.CharField(), help_text="products of the old order no longer sold"
    )

    class Meta:
        ref_name = "PortalReorder"


class ProductOut(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField(help_text="the SKU")
    name = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.CharField()
    vat_rate = serializers.CharField()
    price_net = serializers.DecimalField(source="price", max_digits=12, decimal_places=2)
    price_gross = serializers.SerializerMethodField()

    class Meta:
        ref_name = "PortalProduct"

    @extend_schema_field(_money())
    def get_price_gross(self, product: Any) -> str:
        return f"{selectors.unit_prices(product).gross:.2f}"


def _placed(order: Order) -> dict[str, Any]:
    fresh = Order.objects.prefetch_related("lines").get(pk=order.pk)
    return dict(PlacedOrderOut(fresh).data)


class PortalOrderPlaceView(PortalCustomerAPIView):
    """POST: the customer places an order (joined with the order list on portal/orders/)."""

    @extend_schema(
        operation_id="portal_orders_place",
        request=PlaceIn,
        responses={201: PlacedOrderOut},
        tags=["portal"],
        description=(
            "Lines are products of the active catalogue and quantities in the product's unit; "
            "prices and VAT are the catalogue's. 400 with `fields` (`lines.<index>.product`, "
            "`lines.<index>.quantity`, `delivery_date`, `delivery_address.<part>`); 403 while "
            "the SMS password is still to be changed."
        ),
    )
    def post(self, request: Request) -> Response:
        data = valid(PlaceIn, request)
        address = data.get("delivery_address")
        order = services.portal_order_place(
            customer=portal_customer(request),
            lines=[(line["product"], line["quantity"]) for line in data["lines"]],
            delivery_date=data.get("delivery_date"),
            delivery_address=dict(address) if address is not None else None,
            notes=data.get("notes", ""),
        )
        return Response(_placed(order), status=status.HTTP_201_CREATED)


class PortalOrderReorderView(PortalCustomerAPIView):
    conflict_actions = ("post",)  # nothing of the order is sold any more

    @extend_schema(
        request=None,
        responses={
            201: ReorderOut,
            # The new order goes through the same checks as one placed (_place/_input).
            400: OpenApiResponse(
                description=_(
                    "The new order breaks a rule of orders at today's prices (a line's or "
                    "the order's total too large): `fields` names it (`lines.<index>.quantity`)."
                )
            ),
            409: OpenApiResponse(
                description=_(
                    "`nothing_to_reorder`: none of the order's products is sold any more."
                )
            ),
        },
        tags=["portal"],
        description=(
            "A new order of the same products and quantities at today's prices, to the "
            "profile's address; products no longer sold are left out and listed in `skipped`. "
            "404 for another customer's order; 409 `nothing_to_reorder` when none is sold."
        ),
    )
    def post(self, request: Request, pk: Any) -> Response:
        customer = portal_customer(request)
        order = get_object_or_404(selectors.customer_orders(customer), pk=pk)
        result = services.portal_order_reorder(customer=customer, order=order)
        body = {"order": _placed(result.order), "skipped": list(result.skipped)}
        return Response(body, status=status.HTTP_201_CREATED)


class PortalProductListView(PortalCustomerAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="part of the name or code"),
            OpenApiParameter("page", int),
        ],
        responses=ProductOut(many=True),
        tags=["portal"],
        description="The active catalogue, by name, with unit prices net and gross.",
    )
    def get(self, request: Request) -> Response:
        search = text_param(request, "search")
        return page(self, request, selectors.catalogue(search), ProductOut)


urlpatterns = [
    path(
        "portal/orders/<uuid:pk>/reorder/",
        PortalOrderReorderView.as_view(),
        name="portal_order_reorder",
    ),
    path("portal/products/", PortalProductListView.as_view(), name="portal_products"),
    # PortalOrderPlaceView (POST portal/orders/) is joined with PortalOrderListView by the lead.
]
