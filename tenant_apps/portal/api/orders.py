"""Portal API: the signed-in customer's orders and the home summary (issue 15).

| method | path (under /api/v1/) | what |
|---|---|---|
| GET | portal/orders/?status=&page= | the customer's orders, newest first, 25 a page |
| GET | portal/orders/<id>/ | one order: lines, VAT summary, totals, history |
| POST | portal/orders/<id>/cancel/ | cancel while new; body {"reason"} optional; 409 otherwise |
| GET | portal/orders/<id>/pdf/ | the order's PDF (the staff's document); 503 without it |
| GET | portal/home/ | open orders, waiting quotes, unread messages |

Every view derives from PortalCustomerAPIView (portal tokens only, 404 with @portal off,
403 until the SMS password is changed) and reads through the portal's selectors, filtered
by the token's customer: another customer's order is 404. The serializers are the
customer's view of an order: no handler, no metadata, no staff notes, no stock.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.actors import customer_actor
from dockpulse.api.params import page, valid
from dockpulse.api.serializers import StrictSerializer
from tenant_apps.customers.models import Customer
from tenant_apps.portal.api.base import PortalCustomerAPIView, portal_customer
from tenant_apps.portal.api.documents import (
    MONEY,
    PortalLineOut,
    PortalPdfView,
    PortalVatRowOut,
    pdf_schema,
)
from tenant_apps.portal.api.ordering import PortalOrderPlaceView
from tenant_apps.portal.selectors import orders as selectors
from tenant_apps.portal.selectors.home import portal_home
from tenant_apps.portal.services.orders import portal_order_cancel
from tenant_apps.sales import documents
from tenant_apps.sales.models import Order, OrderStatusChange
from tenant_apps.sales.selectors import vat_summary
from tenant_apps.sales.services.orders import order_moves

S = Order.Status
STATUS_CHOICES = [selectors.OPEN, selectors.ALL, *S.values]


class PortalOrderRowOut(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    # Plain strings in the schema (the staff API's order status is one too): an enum here
    # would collide by name with the other documents' "status" enums.
    status = serializers.CharField(help_text=", ".join(S.values))
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    delivery_date = serializers.DateField(allow_null=True)
    tracking_number = serializers.CharField(help_text="blank until the order is shipped")
    total_net = serializers.DecimalField(**MONEY)
    total_vat = serializers.DecimalField(**MONEY)
    total_gross = serializers.DecimalField(**MONEY)

    class Meta:
        ref_name = "PortalOrderRow"


class PortalHistoryOut(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    from_status = serializers.CharField(help_text="blank for the order's creation")
    to_status = serializers.CharField()
    by = serializers.SerializerMethodField(help_text='"you" (the customer) or "us" (the seller)')
    note = serializers.SerializerMethodField(help_text="only the customer's own notes")

    class Meta:
        ref_name = "PortalOrderHistory"

    def _mine(self, change: OrderStatusChange) -> bool:
        customer: Customer = self.context["customer"]
        return change.actor_type == "customer" and change.actor_id == customer.pk

    @extend_schema_field(serializers.ChoiceField(choices=["you", "us"]))
    def get_by(self, change: OrderStatusChange) -> str:
        return "you" if self._mine(change) else "us"

    def get_note(self, change: OrderStatusChange) -> str:
        return change.note if self._mine(change) else ""


class PortalAddressOut(serializers.Serializer):
    street = serializers.CharField(default="")
    postal_code = serializers.CharField(default="")
    city = serializers.CharField(default="")
    country = serializers.CharField(default="")

    class Meta:
        ref_name = "PortalAddress"


class PortalOrderOut(PortalOrderRowOut):
    delivery_address = PortalAddressOut()
    notes = serializers.CharField()
    lines = PortalLineOut(many=True, source="lines.all")
    vat_summary = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField(help_text="POST .../cancel/ would be accepted")

    class Meta:
        ref_name = "PortalOrder"

    @extend_schema_field(PortalVatRowOut(many=True))
    def get_vat_summary(self, order: Order) -> Any:
        rows = vat_summary(
            (line.vat_rate, line.total_net, line.total_vat) for line in order.lines.all()
        )
        return PortalVatRowOut(rows, many=True).data

    @extend_schema_field(PortalHistoryOut(many=True))
    def get_history(self, order: Order) -> Any:
        return PortalHistoryOut(order.history.all(), many=True, context=self.context).data

    def get_can_cancel(self, order: Order) -> bool:
        customer: Customer = self.context["customer"]
        return S.CANCELLED in order_moves(order=order, actor=customer_actor(customer))


class PortalCancelIn(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    expected_status = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="the status the customer saw (new, confirmed, ...); refused (409) when the "
        "order moved on",
    )

    class Meta:
        ref_name = "PortalOrderCancel"

    def validate_expected_status(self, value: str) -> str:
        if value and value not in S.values:
            raise serializers.ValidationError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(S.values)}
            )
        return value


class PortalQuoteRowOut(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    total_gross = serializers.DecimalField(**MONEY)
    valid_until = serializers.DateField()

    class Meta:
        ref_name = "PortalWaitingQuote"


class PortalHomeOut(serializers.Serializer):
    name = serializers.CharField(help_text="the customer's name")
    open_orders = PortalOrderRowOut(many=True, help_text="the newest five")
    open_orders_count = serializers.IntegerField()
    waiting_quotes = PortalQuoteRowOut(many=True, help_text="the five expiring soonest")
    waiting_quotes_count = serializers.IntegerField()
    unread_messages = serializers.IntegerField()

    class Meta:
        ref_name = "PortalHome"


# --- the views ---------------------------------------------------------------------------


def _order(request: Request, pk: Any) -> Order:
    try:
        return selectors.portal_order_detail(customer_id=portal_customer(request).pk, order_id=pk)
    except Order.DoesNotExist:
        raise Http404 from None


def _order_out(request: Request, order: Order) -> dict[str, Any]:
    return dict(PortalOrderOut(order, context={"customer": portal_customer(request)}).data)


class PortalOrderListView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        summary="The customer's orders",
        description="The signed-in customer's own orders, newest first, 25 a page.",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=STATUS_CHOICES,
                description="open (not delivered or cancelled), all (the default) or one status",
            ),
            OpenApiParameter("page", int),
        ],
        responses=PortalOrderRowOut(many=True),
    )
    def get(self, request: Request) -> Response:
        raw = str(request.query_params.get("status", "")).strip() or selectors.ALL
        if raw not in STATUS_CHOICES:
            raise serializers.ValidationError(
                {
                    "status": [
                        _("Choose one of: %(choices)s.") % {"choices": ", ".join(STATUS_CHOICES)}
                    ]
                }
            )
        rows = selectors.portal_order_rows(customer_id=portal_customer(request).pk, status=raw)
        return page(self, request, rows, PortalOrderRowOut)


class PortalOrderDetailView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        summary="One of the customer's orders",
        description="Lines, VAT summary, totals and status history; 404 for anyone else's order.",
        responses=PortalOrderOut,
    )
    def get(self, request: Request, pk: Any) -> Response:
        return Response(_order_out(request, _order(request, pk)))


class PortalOrderCancelView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        summary="Cancel an own order while it is new",
        description=(
            "Cancels the order (event `order.cancelled`, actor the customer). 409 "
            "`not_cancellable` once the seller has confirmed it (or `already_cancelled`); "
            "with `expected_status`, also when the order moved on since the customer saw it."
        ),
        request=PortalCancelIn,
        responses={200: PortalOrderOut, 409: OpenApiResponse(description="state conflict")},
    )
    def post(self, request: Request, pk: Any) -> Response:
        order = _order(request, pk)
        data = valid(PortalCancelIn, request)
        portal_order_cancel(
            customer=portal_customer(request),
            order=order,
            reason=data.get("reason", ""),
            expected_status=data.get("expected_status", ""),
        )
        return Response(_order_out(request, _order(request, pk)))


class PortalOrderPdfView(PortalPdfView):
    render = staticmethod(documents.order_pdf)

    def document(self, request: Request, pk: Any) -> Order:
        return _order(request, pk)

    @extend_schema(
        **pdf_schema(
            "order",
            "The same document the seller prints, in the seller's language. 503 "
            "`pdf_unavailable` when this server cannot render PDFs.",
        )
    )
    def get(self, request: Request, pk: Any) -> HttpResponse:
        return super().get(request, pk)


class PortalHomeView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        summary="The customer's home summary",
        description="Open orders, quotes waiting for a decision and unread staff messages.",
        responses=PortalHomeOut,
    )
    def get(self, request: Request) -> Response:
        customer = portal_customer(request)
        summary = portal_home(customer_id=customer.pk)
        data = {
            "name": customer.name,
            "open_orders": summary.open_orders,
            "open_orders_count": summary.open_orders_count,
            "waiting_quotes": summary.waiting_quotes,
            "waiting_quotes_count": summary.waiting_quotes_count,
            "unread_messages": summary.unread_messages,
        }
        return Response(PortalHomeOut(data).data)


class PortalOrdersView(PortalOrderListView, PortalOrderPlaceView):
    """portal/orders/: GET the customer's orders (this module), POST place one
    (api/ordering.py, with the catalogue)."""


urlpatterns: list[URLPattern] = [
    path("portal/home/", PortalHomeView.as_view(), name="portal_home"),
    path("portal/orders/", PortalOrdersView.as_view(), name="portal_orders"),
    path("portal/orders/<uuid:pk>/", PortalOrderDetailView.as_view(), name="portal_order_detail"),
    path(
        "portal/orders/<uuid:pk>/cancel/",
        PortalOrderCancelView.as_view(),
        name="portal_order_cancel",
    ),
    path("portal/orders/<uuid:pk>/pdf/", PortalOrderPdfView.as_view(), name="portal_order_pdf"),
]
