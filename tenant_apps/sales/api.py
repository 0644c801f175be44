"""Orders and quotes over the API; every write is a service call."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.crud import UUID_PATTERN, get_or_404
from dockpulse.api.pagination import Pagination
from dockpulse.api.params import date_param, page, text_param, uuid_param, valid
from dockpulse.api.permissions import RolePermission
from dockpulse.api.serializers import StrictSerializer
from dockpulse.security.clientip import client_ip

from . import inputs, selectors
from .documents.api import OrderPdfMixin, QuotePdfMixin
from .line_stock import line_stock
from .models import Order, Quote, Source
from .services.orders import allowed_next, order_create, order_transition, order_update
from .services.quotes import (
    quote_accept,
    quote_convert,
    quote_create,
    quote_reject,
    quote_send,
    quote_update,
)


class LineIn(StrictSerializer):
    product = serializers.UUIDField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    # Numbers travel as strings or JSON numbers; sales.inputs parses them as Decimal.
    quantity = serializers.CharField(max_length=30)
    unit = serializers.CharField(required=False, allow_blank=True, max_length=10)
    unit_price = serializers.CharField(required=False, allow_blank=True, max_length=30)
    discount = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text="percent, 0-100"
    )
    vat_rate = serializers.CharField(required=False, allow_blank=True, max_length=4)


class AddressIn(StrictSerializer):
    street = serializers.CharField(required=False, allow_blank=True, max_length=255)
    postal_code = serializers.CharField(required=False, allow_blank=True, max_length=16)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)


class DocumentIn(StrictSerializer):
    customer = serializers.UUIDField()
    assigned_to = serializers.UUIDField(required=False, allow_null=True)
    lines = LineIn(many=True, allow_empty=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    metadata = serializers.DictField(required=False)


class OrderIn(DocumentIn):
    delivery_date = serializers.DateField(required=False, allow_null=True)
    delivery_address = AddressIn(required=False)


class QuoteIn(DocumentIn):
    valid_until = serializers.DateField(required=False)


class LineOut(serializers.Serializer):
    id = serializers.UUIDField()
    position = serializers.IntegerField()
    product = serializers.UUIDField(source="product_id", allow_null=True)
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat_rate = serializers.CharField()
    total_net = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_vat = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_gross = serializers.DecimalField(max_digits=14, decimal_places=2)


_STOCK_QUANTITY = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)


class OrderLineOut(LineOut):
    """An order line with what stock holds for it (null: not reserved, e.g. module off)."""

    reserved = serializers.SerializerMethodField()
    backordered = serializers.SerializerMethodField()
    stock_status = serializers.SerializerMethodField()

    @extend_schema_field(_STOCK_QUANTITY)
    def get_reserved(self, line: Any) -> Any:
        reserved = line_stock(line).reserved
        return None if reserved is None else f"{reserved:.3f}"

    @extend_schema_field(_STOCK_QUANTITY)
    def get_backordered(self, line: Any) -> Any:
        backordered = line_stock(line).backordered
        return None if backordered is None else f"{backordered:.3f}"

    @extend_schema_field(
        serializers.ChoiceField(choices=["active", "released", "consumed"], allow_null=True)
    )
    def get_stock_status(self, line: Any) -> str | None:
        return line_stock(line).status


class DocumentOut(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.CharField()
    customer = serializers.UUIDField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    assigned_to = serializers.UUIDField(source="assigned_to_id", allow_null=True)
    lines = LineOut(many=True, source="lines.all")
    total_net = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_vat = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_gross = serializers.DecimalField(max_digits=14, decimal_places=2)
    notes = serializers.CharField()
    metadata = serializers.DictField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OrderOut(DocumentOut):
    lines = OrderLineOut(many=True, source="lines.all")
    delivery_date = serializers.DateField(allow_null=True)
    delivery_address = serializers.DictField()
    tracking_number = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source
    allowed_transitions = serializers.SerializerMethodField()

    def get_allowed_transitions(self, order: Order) -> list[str]:
        return allowed_next(order.status)


class QuoteOut(DocumentOut):
    valid_until = serializers.DateField()
    sent_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    accepted_by = serializers.CharField()
    accepted_via = serializers.CharField()
    accepted_ip = serializers.IPAddressField(allow_null=True)
    accepted_user_agent = serializers.CharField()
    accepted_checksum = serializers.CharField(help_text="SHA-256 of the quote as accepted")
    rejected_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    rejected_by = serializers.CharField()
    rejected_via = serializers.CharField()
    rejected_ip = serializers.IPAddressField(allow_null=True)
    rejected_user_agent = serializers.CharField()
    rejected_checksum = serializers.CharField(help_text="SHA-256 of the quote as rejected")
    order = serializers.UUIDField(source="order_id", allow_null=True)
    order_number = serializers.CharField(source="order.number", default=None, allow_null=True)


class QuoteSentOut(QuoteOut):
    """A sent quote, and what its e-mail did."""

    emailed_to = serializers.CharField(help_text="blank: not e-mailed (no address)")
    not_emailed = serializers.CharField(help_text="why it was not e-mailed, in words")
    pdf_missing = serializers.CharField(help_text="why the PDF is not attached, in words")


class AcceptIn(StrictSerializer):
    convert = serializers.BooleanField(
        required=False, default=True, help_text="also create the order (default true)"
    )


class TransitionIn(StrictSerializer):
    to = serializers.ChoiceField(choices=Order.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=100)


class HistoryOut(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    actor_id = serializers.UUIDField(allow_null=True)
    actor_type = serializers.CharField()
    actor_name = serializers.CharField()
    created_at = serializers.DateTimeField()


class RejectIn(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


_ORDER_FILTERS = [
    OpenApiParameter("status", str, description="one or more, comma-separated"),
    OpenApiParameter("customer", str, description="customer id"),
    OpenApiParameter("created_from", str, description="YYYY-MM-DD, tenant's time zone"),
    OpenApiParameter("created_to", str, description="YYYY-MM-DD, inclusive"),
    OpenApiParameter("search", str, description="part of the number"),
]


@extend_schema_view(
    list=extend_schema(parameters=_ORDER_FILTERS, responses=OrderOut(many=True)),
    retrieve=extend_schema(responses=OrderOut),
    create=extend_schema(request=OrderIn, responses={201: OrderOut}),
    partial_update=extend_schema(request=OrderIn(partial=True), responses=OrderOut),
)
class OrderViewSet(OrderPdfMixin, viewsets.ViewSet):
    """Orders: list with filters, create, read, change while new, move through the states."""

    resource = "orders"
    module = "@orders"
    # Changed only while new, moved only along the workflow (StateConflict otherwise).
    conflict_actions = ("partial_update", "transition")
    permission_classes = [RolePermission]
    lookup_value_regex = UUID_PATTERN
    # Named so that one action (the history) can say its list is whole.
    pagination_class: type[Pagination] | None = Pagination

    def list(self, request: Request) -> Response:
        orders = selectors.order_list(
            status=text_param(request, "status"),
            customer=uuid_param(request, "customer"),
            created_from=date_param(request, "created_from"),
            created_to=date_param(request, "created_to"),
            search=text_param(request, "search"),
        )
        return page(self, request, orders, OrderOut)

    def create(self, request: Request) -> Response:
        order = order_create(
            values=inputs.order_input(valid(OrderIn, request)),
            actor=inputs.staff(request.user),
            source=Source.API,
        )
        return Response(OrderOut(selectors.order_get(order.pk)).data, status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(OrderOut(get_or_404(selectors.order_list(), pk=pk)).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        order = get_or_404(Order, pk=pk)
        changes = inputs.order_changes(valid(OrderIn, request, partial=True))
        order_update(order=order, changes=changes, actor=inputs.staff(request.user))
        return Response(OrderOut(selectors.order_get(order.pk)).data)

    @extend_schema(request=TransitionIn, responses=OrderOut)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        order = get_or_404(Order, pk=pk)
        data = valid(TransitionIn, request)
        order_transition(order=order, actor=inputs.staff(request.user), **data)
        return Response(OrderOut(selectors.order_get(order.pk)).data)

    @extend_schema(responses=HistoryOut(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole history
    def history(self, request: Request, pk: str) -> Response:
        order = get_or_404(Order, pk=pk)
        return Response(HistoryOut(selectors.order_history(order), many=True).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="one or more, comma-separated"),
            OpenApiParameter("customer", str, description="customer id"),
            OpenApiParameter("search", str, description="part of the number"),
        ],
        responses=QuoteOut(many=True),
    ),
    retrieve=extend_schema(responses=QuoteOut),
    create=extend_schema(request=QuoteIn, responses={201: QuoteOut}),
    partial_update=extend_schema(request=QuoteIn(partial=True), responses=QuoteOut),
)
class QuoteViewSet(QuotePdfMixin, viewsets.ViewSet):
    """Quotes: draft, send, and accept (making the order) or reject."""

    resource = "quotes"
    module = "@quotes"
    # A quote changes only as a draft, and is decided once (StateConflict otherwise).
    conflict_actions = ("partial_update", "send", "accept", "reject", "convert")
    permission_classes = [RolePermission]
    lookup_value_regex = UUID_PATTERN

    def list(self, request: Request) -> Response:
        quotes = selectors.quote_list(
            status=text_param(request, "status"),
            customer=uuid_param(request, "customer"),
            search=text_param(request, "search"),
        )
        return page(self, request, quotes, QuoteOut)

    def create(self, request: Request) -> Response:
        values = inputs.quote_input(valid(QuoteIn, request))
        quote = quote_create(values=values, actor=inputs.staff(request.user))
        return Response(QuoteOut(selectors.quote_get(quote.pk)).data, status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(QuoteOut(get_or_404(selectors.quote_list(), pk=pk)).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        quote = get_or_404(Quote, pk=pk)
        changes = inputs.quote_changes(valid(QuoteIn, request, partial=True))
        quote_update(quote=quote, changes=changes, actor=inputs.staff(request.user))
        return Response(QuoteOut(selectors.quote_get(quote.pk)).data)

    @extend_schema(request=None, responses=QuoteSentOut)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str) -> Response:
        """Mark the draft sent and e-mail the customer the quote with its PDF (409
        `email_not_sent`, nothing changed, when the mail server refuses it)."""
        sent = quote_send(quote=get_or_404(Quote, pk=pk), actor=inputs.staff(request.user))
        data = dict(QuoteOut(selectors.quote_get(sent.quote.pk)).data)
        data.update(
            emailed_to=sent.emailed_to, not_emailed=sent.not_emailed, pdf_missing=sent.pdf_missing
        )
        return Response(data)

    @extend_schema(request=AcceptIn, responses=QuoteOut)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept on the customer's behalf; with `convert` (the default) also make the order."""
        data = valid(AcceptIn, request)
        quote = quote_accept(
            quote=get_or_404(Quote, pk=pk),
            actor=inputs.staff(request.user),
            source=Source.API,
            ip=client_ip(request) or None,
            user_agent=str(request.META.get("HTTP_USER_AGENT", "")),
            convert=data.get("convert", True),
        )
        return Response(QuoteOut(selectors.quote_get(quote.pk)).data)

    @extend_schema(request=None, responses={201: OrderOut})
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: str) -> Response:
        """The accepted quote's order, made once (409 `already_converted` with `order`)."""
        order = quote_convert(
            quote=get_or_404(Quote, pk=pk), actor=inputs.staff(request.user), source=Source.API
        )
        return Response(OrderOut(selectors.order_get(order.pk)).data, status.HTTP_201_CREATED)

    @extend_schema(request=RejectIn, responses=QuoteOut)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        data = valid(RejectIn, request)
        quote = quote_reject(
            quote=get_or_404(Quote, pk=pk),
            actor=inputs.staff(request.user),
            reason=data.get("reason", ""),
            source=Source.API,
            ip=client_ip(request) or None,
            user_agent=str(request.META.get("HTTP_USER_AGENT", "")),
        )
        return Response(QuoteOut(selectors.quote_get(quote.pk)).data)
