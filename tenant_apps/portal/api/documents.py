"""What the portal's orders and quotes share in the API: their lines, the VAT summary, and
the PDF (the seller's own document)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from tenant_apps.portal.api.base import PortalCustomerAPIView
from tenant_apps.sales import documents
from tenant_apps.sales.documents.api import PdfRenderer, PdfUnavailableError

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
PDF_UNAVAILABLE = gettext_lazy("PDF documents cannot be made on this server at the moment.")


class PortalLineOut(serializers.Serializer):
    """A line of an order or a quote as the customer sees it."""

    position = serializers.IntegerField()
    product = serializers.UUIDField(source="product_id", allow_null=True)
    product_code = serializers.CharField(source="product.code", default="")
    description = serializers.CharField(help_text="the product's name when it was written")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit = serializers.CharField(help_text="the product's unit: szt, kg, m2, ...")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="net")
    discount = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="percent")
    vat_rate = serializers.CharField(help_text='"23", "8", "5", "0" or "zw" (exempt)')
    total_net = serializers.DecimalField(**MONEY)
    total_vat = serializers.DecimalField(**MONEY)
    total_gross = serializers.DecimalField(**MONEY)

    class Meta:
        ref_name = "PortalLine"


class PortalVatRowOut(serializers.Serializer):
    rate = serializers.CharField()
    net = serializers.DecimalField(**MONEY)
    vat = serializers.DecimalField(**MONEY)
    gross = serializers.DecimalField(**MONEY)

    class Meta:
        ref_name = "PortalVatRow"


class PortalPdfView(PortalCustomerAPIView):
    """GET a document's PDF: `document(request, pk)` finds the customer's own (404
    otherwise), `render` makes its PDF."""

    renderer_classes = [JSONRenderer, PdfRenderer]

    def document(self, request: Any, pk: Any) -> Any:
        raise NotImplementedError

    render: Callable[[Any], bytes]

    def get(self, request: Any, pk: Any) -> HttpResponse:
        found = self.document(request, pk)
        try:
            content = type(self).render(found)
        except documents.PdfUnavailable as exc:
            raise PdfUnavailableError(detail=PDF_UNAVAILABLE) from exc
        return documents.pdf_response(found, content)


def pdf_schema(kind: str, description: str) -> dict[str, Any]:
    """extend_schema's arguments for a portal PDF endpoint."""
    return {
        "tags": ["portal"],
        "summary": f"The {kind}'s A4 PDF",
        "description": description,
        "parameters": [OpenApiParameter("format", exclude=True)],
        "responses": {
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description=f"The PDF, named after the {kind}."
            ),
            503: OpenApiResponse(description="PDF documents are unavailable on this server."),
        },
    }
