"""Portal API: the signed-in customer's quotes and the decision on them (issue 15).

| method | path (under /api/v1/) | what |
|---|---|---|
| GET | portal/quotes/?status=&page= | the customer's quotes but drafts, newest first, 25 a page |
| GET | portal/quotes/<id>/ | one quote: lines, VAT summary, totals, `checksum`, decision record |
| GET | portal/quotes/<id>/pdf/ | the quote's PDF (the staff's document); 503 without it |
| POST | portal/quotes/<id>/accept/ | body {"checksum"}: accept and place the order (once) |
| POST | portal/quotes/<id>/reject/ | body {"reason", "checksum"}: reject; the reason is required |

Every view derives from PortalCustomerAPIView (portal tokens only, 404 with @portal off,
403 until the SMS password is changed) and reads through the portal's selectors, filtered
by the token's customer and without drafts: another customer's quote, or a draft, is 404.
A decision carries the `checksum` the client read with the quote; a quote that changed
since is 409 `quote_changed` (its new checksum in the error), an expired one 409
`quote_expired`. Accepting again what the customer accepted answers 200 with the same
order: a retried request never makes a second one.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
from dockpulse.errors import DomainError
from dockpulse.security.clientip import client_ip
from tenant_apps.portal.api.base import PortalCustomerAPIView, portal_customer
from tenant_apps.portal.api.documents import (
    MONEY,
    PortalLineOut,
    PortalPdfView,
    PortalVatRowOut,
    pdf_schema,
)
from tenant_apps.portal.selectors import quotes as selectors
from tenant_apps.sales import documents
from tenant_apps.sales.documents.checksum import quote_checksum
from tenant_apps.sales.documents.context import quote_decision
from tenant_apps.sales.models import Quote, Source
from tenant_apps.sales.selectors import vat_summary
from tenant_apps.sales.services import quotes as service

S = Quote.Status
STATUS_WORDS = [selectors.ALL, selectors.WAITING, *selectors.VISIBLE_STATUSES]


class OrderRefOut(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()

    class Meta:
        ref_name = "PortalQuoteOrder"


class PortalQuoteRowOut(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    # A plain string, not an enum: the order's "status" enums hold that name already.
    status = serializers.CharField(
        source="shown_status",
        help_text="sent (waits for the customer), accepted, rejected or expired (a sent quote "
        "past its date)",
    )
    status_label = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateField()
    total_net = serializers.DecimalField(**MONEY)
    total_vat = serializers.DecimalField(**MONEY)
    total_gross = serializers.DecimalField(**MONEY)
    order = serializers.SerializerMethodField(help_text="the order an acceptance made")

    class Meta:
        ref_name = "PortalQuoteRow"

    def get_status_label(self, quote: Quote) -> str:
        return str(S(quote.shown_status).label)  # type: ignore[attr-defined]

    @extend_schema_field(OrderRefOut(allow_null=True))
    def get_order(self, quote: Quote) -> Any:
        order = quote.order if quote.order_id else None
        return OrderRefOut(order).data if order is not None else None


class DecisionOut(serializers.Serializer):
    decision = serializers.ChoiceField(source="kind", choices=[S.ACCEPTED, S.REJECTED])
    at = serializers.DateTimeField(allow_null=True)
    by = serializers.CharField()
    via = serializers.CharField(help_text="the channel in words")
    ip = serializers.CharField(help_text="the address the decision came from")
    user_agent = serializers.CharField()
    checksum = serializers.CharField(help_text="SHA-256 of the quote as it was decided on")
    reason = serializers.CharField(help_text="a rejection's reason")

    class Meta:
        ref_name = "PortalQuoteDecision"


class PortalQuoteOut(PortalQuoteRowOut):
    notes = serializers.CharField()
    lines = PortalLineOut(many=True, source="lines.all")
    vat_summary = serializers.SerializerMethodField()
    checksum = serializers.SerializerMethodField(
        help_text="of the quote as shown; send it back with the decision"
    )
    can_decide = serializers.SerializerMethodField(help_text="accept/reject would be taken")
    decision_record = serializers.SerializerMethodField()

    class Meta:
        ref_name = "PortalQuote"

    @extend_schema_field(PortalVatRowOut(many=True))
    def get_vat_summary(self, quote: Quote) -> Any:
        rows = vat_summary(
            (line.vat_rate, line.total_net, line.total_vat) for line in quote.lines.all()
        )
        return PortalVatRowOut(rows, many=True).data

    def get_checksum(self, quote: Quote) -> str:
        return quote_checksum(quote)

    def get_can_decide(self, quote: Quote) -> bool:
        return bool(quote.shown_status == S.SENT)  # type: ignore[attr-defined]

    @extend_schema_field(DecisionOut(allow_null=True))
    def get_decision_record(self, quote: Quote) -> Any:
        decision = quote_decision(quote)
        return DecisionOut(decision).data if decision is not None else None


class AcceptIn(StrictSerializer):
    checksum = serializers.CharField(
        max_length=64, help_text="the `checksum` of the quote as the client read it"
    )

    class Meta:
        ref_name = "PortalQuoteAccept"


class RejectIn(StrictSerializer):
    reason = serializers.CharField(
        max_length=service.REASON_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Tell us why you reject the quote."),
            "blank": gettext_lazy("Tell us why you reject the quote."),
        },
    )
    checksum = serializers.CharField(max_length=64)

    class Meta:
        ref_name = "PortalQuoteReject"


# --- the views ---------------------------------------------------------------------------


def _quote(request: Request, pk: Any) -> Quote:
    try:
        return selectors.portal_quote_detail(customer_id=portal_customer(request).pk, quote_id=pk)
    except Quote.DoesNotExist:
        raise Http404 from None


def _record(request: Request) -> dict[str, Any]:
    return {
        "source": Source.PORTAL,
        "ip": client_ip(request._request) or None,
        "user_agent": str(request.META.get("HTTP_USER_AGENT", "")),
    }


_CONFLICT = OpenApiResponse(description="state conflict: quote_changed, quote_expired, decided")


class PortalQuoteListView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        summary="The customer's quotes",
        description=(
            "The signed-in customer's quotes (drafts are not theirs yet), newest first, "
            "25 a page, each with its status as the customer sees it."
        ),
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description=(
                    "one or more of waiting (sent and valid), sent, accepted, rejected, "
                    "expired, comma-separated; all (the default) for every one"
                ),
            ),
            OpenApiParameter("page", int),
        ],
        responses=PortalQuoteRowOut(many=True),
    )
    def get(self, request: Request) -> Response:
        raw = str(request.query_params.get("status", "")).strip()
        words = [part.strip() for part in raw.split(",") if part.strip()]
        unknown = [word for word in words if word not in STATUS_WORDS]
        if unknown:
            raise serializers.ValidationError(
                {"status": [_("Choose from: %(choices)s.") % {"choices": ", ".join(STATUS_WORDS)}]}
            )
        rows = selectors.portal_quote_rows(
            customer_id=portal_customer(request).pk,
            statuses=selectors.portal_quote_statuses(raw),
        )
        return page(self, request, rows, PortalQuoteRowOut)


class PortalQuoteDetailView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        summary="One of the customer's quotes",
        description=(
            "Lines, VAT summary, totals, the `checksum` to decide with, and the decision "
            "record once decided; 404 for anyone else's quote and for drafts."
        ),
        responses=PortalQuoteOut,
    )
    def get(self, request: Request, pk: Any) -> Response:
        return Response(PortalQuoteOut(_quote(request, pk)).data)


class PortalQuotePdfView(PortalPdfView):
    render = staticmethod(documents.quote_pdf)

    def document(self, request: Request, pk: Any) -> Quote:
        return _quote(request, pk)

    @extend_schema(
        **pdf_schema(
            "quote",
            "The same document the seller prints, in the seller's language, with the "
            "decision record once decided. 503 `pdf_unavailable` when this server cannot "
            "render PDFs.",
        )
    )
    def get(self, request: Request, pk: Any) -> HttpResponse:
        return super().get(request, pk)


class PortalQuoteAcceptView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        summary="Accept a quote and place its order",
        description=(
            "Accepts the quote and creates its order (source `portal`; events "
            "`quote.accepted`, `portal.quote_accepted`, `order.created`), recording the "
            "time, address, user agent and `checksum`. A repeat answers 200 with the same "
            "order. 409 `quote_changed` when the checksum is not the quote's any more "
            "(the current one in `checksum`), `quote_expired` past its date, "
            "`invalid_transition` when it was decided otherwise."
        ),
        request=AcceptIn,
        responses={200: PortalQuoteOut, 409: _CONFLICT},
    )
    def post(self, request: Request, pk: Any) -> Response:
        quote = _quote(request, pk)
        data = valid(AcceptIn, request)
        try:
            service.quote_accept(
                quote=quote,
                actor=customer_actor(portal_customer(request)),
                convert=True,
                checksum=data["checksum"],
                **_record(request),
            )
        except DomainError:
            now = _quote(request, pk)
            if now.status == S.ACCEPTED and now.order_id is not None:
                # Already accepted (a retry, another device): the order it made.
                return Response(PortalQuoteOut(now).data)
            raise
        return Response(PortalQuoteOut(_quote(request, pk)).data)


class PortalQuoteRejectView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        summary="Reject a quote, with a reason",
        description=(
            "Rejects the quote (event `quote.rejected`), recording the reason the staff "
            "read, the time, address, user agent and `checksum`. 400 on `reason` when it "
            "is missing; 409 as for accepting."
        ),
        request=RejectIn,
        responses={200: PortalQuoteOut, 409: _CONFLICT},
    )
    def post(self, request: Request, pk: Any) -> Response:
        quote = _quote(request, pk)
        data = valid(RejectIn, request)
        # A refusal on a field (the reason) is the API's 400 with `fields`.
        service.quote_reject(
            quote=quote,
            actor=customer_actor(portal_customer(request)),
            reason=data["reason"],
            checksum=data["checksum"],
            **_record(request),
        )
        return Response(PortalQuoteOut(_quote(request, pk)).data)


urlpatterns: list[URLPattern] = [
    path("portal/quotes/", PortalQuoteListView.as_view(), name="portal_quotes"),
    path("portal/quotes/<uuid:pk>/", PortalQuoteDetailView.as_view(), name="portal_quote"),
    path("portal/quotes/<uuid:pk>/pdf/", PortalQuotePdfView.as_view(), name="portal_quote_pdf"),
    path(
        "portal/quotes/<uuid:pk>/accept/",
        PortalQuoteAcceptView.as_view(),
        name="portal_quote_accept",
    ),
    path(
        "portal/quotes/<uuid:pk>/reject/",
        PortalQuoteRejectView.as_view(),
        name="portal_quote_reject",
    ),
]
