"""The order's and the quote's PDF documents (tenant_apps.sales.documents renders them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from dockpulse.web.access import staff_page
from tenant_apps.sales import documents, selectors
from tenant_apps.sales.models import Order, Quote


def _document_pdf(
    request: HttpRequest, document: Any, render_pdf: Callable[[Any], bytes], back: str
) -> HttpResponse:
    try:
        content = render_pdf(document)
    except documents.PdfUnavailable as exc:
        # Not a crash: this server lacks the PDF libraries. Say so, in the panel's layout.
        context = {"reason": exc.message, "document": document, "back": back}
        return render(request, "sales/pdf/unavailable.html", context, status=503)
    return documents.pdf_response(document, content)


@staff_page("orders", module="@orders")
@require_GET
def order_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    try:
        order = selectors.order_get(pk)
    except Order.DoesNotExist:
        raise Http404 from None
    return _document_pdf(request, order, documents.order_pdf, "sales:order_detail")


@staff_page("quotes", module="@quotes")
@require_GET
def quote_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    try:
        quote = selectors.quote_get(pk)
    except Quote.DoesNotExist:
        raise Http404 from None
    return _document_pdf(request, quote, documents.quote_pdf, "sales:quote_detail")


urlpatterns: list[URLPattern] = [
    path("orders/<uuid:pk>/pdf/", order_pdf, name="order_pdf"),
    path("quotes/<uuid:pk>/pdf/", quote_pdf, name="quote_pdf"),
]
