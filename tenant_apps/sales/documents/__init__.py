"""A4 PDF documents of orders and quotes, in the tenant's language.

Public API: `pdf_status()`, `order_pdf(order)`, `quote_pdf(quote)`, `pdf_filename(doc)`
and `PdfUnavailable`. WeasyPrint and its system libraries are loaded on the first
document (or the first `pdf_status()`), never at import: the product runs without them.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from dockpulse.tenancy import get_current_tenant
from tenant_apps.sales.models import DocumentType, Order, Quote

from .context import document_context
from .rendering import html_to_pdf
from .status import PdfStatus, PdfUnavailable, pdf_status, require_pdf

__all__ = [
    "PdfStatus",
    "PdfUnavailable",
    "order_pdf",
    "pdf_filename",
    "pdf_response",
    "pdf_status",
    "quote_pdf",
]


def _render(document: Order | Quote, kind: str) -> bytes:
    require_pdf()
    tenant = get_current_tenant()
    with translation.override(tenant.language), timezone.override(ZoneInfo(tenant.time_zone)):
        context = document_context(document, kind=kind)
        html = render_to_string("sales/pdf/document.html", context)
        css = render_to_string("sales/pdf/document.css", context)
    return html_to_pdf(html, css)


def order_pdf(order: Order) -> bytes:
    """The order's PDF; raises PdfUnavailable when this server cannot render PDFs."""
    return _render(order, DocumentType.ORDER)


def quote_pdf(quote: Quote) -> bytes:
    """The quote's PDF (with the acceptance record once accepted); PdfUnavailable as above."""
    return _render(quote, DocumentType.QUOTE)


def pdf_filename(document: Order | Quote) -> str:
    """ "ZAM-2026-0001.pdf": the number with anything but letters, digits, dots and dashes
    made a dash, so the name needs no quoting in a header and is safe on every disk."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", document.number).strip("-.")
    return f"{stem or 'document'}.pdf"


def pdf_response(document: Order | Quote, content: bytes) -> HttpResponse:
    """The PDF for a browser: shown in its viewer, saved under the document's number."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(document)}"'
    response["Cache-Control"] = "private, no-store"
    return response
