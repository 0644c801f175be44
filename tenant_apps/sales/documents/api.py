"""`GET /api/v1/orders/<id>/pdf/` and `/api/v1/quotes/<id>/pdf/`: mixins the sales
viewsets take in (`class OrderViewSet(OrderPdfMixin, viewsets.ViewSet)`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from dockpulse.api.crud import get_or_404
from tenant_apps.sales import selectors

from . import PdfUnavailable, order_pdf, pdf_response, quote_pdf


class PdfUnavailableError(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "pdf_unavailable"
    default_detail = _("PDF documents are unavailable on this server.")


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`. The PDF itself is an HttpResponse;
    what this renders is an error (404, 503), which stays the API's JSON error shape."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data, "application/json", renderer_context)


def _pdf(document: Any, render_pdf: Callable[[Any], bytes]) -> HttpResponse:
    try:
        content = render_pdf(document)
    except PdfUnavailable as exc:
        raise PdfUnavailableError(detail=exc.message) from exc
    return pdf_response(document, content)


def _schema(what: str) -> Any:
    return extend_schema(
        summary=f"The {what}'s A4 PDF document",
        description=(
            f"The {what} as an A4 PDF in the tenant's language: company, customer, lines, "
            "VAT summary, totals and the gross amount in words. 503 when this server "
            "cannot render PDFs (its system libraries are missing)."
        ),
        request=None,
        # The renderers' ?format= switch is not worth documenting: the answer is the PDF.
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description=f"The PDF, inline, named after the {what}'s number.",
            ),
            503: OpenApiResponse(description="PDF documents are unavailable on this server."),
        },
    )


_PDF_RENDERERS = [JSONRenderer, PdfRenderer]


class OrderPdfMixin:
    @_schema("order")
    @action(detail=True, methods=["get"], url_path="pdf", renderer_classes=_PDF_RENDERERS)
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        return _pdf(get_or_404(selectors.order_list(), pk=pk), order_pdf)


class QuotePdfMixin:
    @_schema("quote")
    @action(detail=True, methods=["get"], url_path="pdf", renderer_classes=_PDF_RENDERERS)
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        return _pdf(get_or_404(selectors.quote_list(), pk=pk), quote_pdf)
