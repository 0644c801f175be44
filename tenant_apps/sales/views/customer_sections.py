"""Sales pages of the staff panel. For now the sections of a customer's page: their
orders and their quotes, each a fragment the customer page loads with htmx (and a page of
its own when opened without JavaScript). The order and quote pages come later."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from dockpulse.web.access import staff_page
from dockpulse.web.listing import SortOption, listing
from tenant_apps.customers.models import Customer
from tenant_apps.customers.selectors import customer_get
from tenant_apps.sales import selectors

PER_PAGE = 10
NEWEST = [SortOption("newest", _("Newest first"), ("-created_at", "-number"))]


def _customer(pk: uuid.UUID) -> Customer:
    try:
        return customer_get(pk)
    except Customer.DoesNotExist:
        raise Http404 from None


def _documents(
    request: HttpRequest,
    customer: Customer,
    documents: QuerySet[Any],
    *,
    kind: str,
    url_name: str,
) -> HttpResponse:
    """A page of the customer's documents (number, date, status, gross), newest first:
    the table alone for htmx, inside the panel's layout otherwise."""
    # The table shows no lines: leave out the selector's prefetch of them.
    rows = listing(request, documents.prefetch_related(None), sorts=NEWEST, per_page=PER_PAGE)
    htmx: Any = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    context = {
        "customer": customer,
        "listing": rows,
        "kind": kind,
        # After the pager swapped the table, focus it (not when the customer page loads it).
        "focus": "page" in request.GET,
        "url": reverse(url_name, kwargs={"pk": customer.pk}),
    }
    template = "sales/customer_documents.html" + ("#table" if partial else "")
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_page("orders", module="@orders")
def customer_orders(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    customer = _customer(pk)
    return _documents(
        request, customer, selectors.order_list(customer=customer.pk),
        kind="orders", url_name="sales:customer_orders",
    )  # fmt: skip


@staff_page("quotes", module="@quotes")
def customer_quotes(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    customer = _customer(pk)
    return _documents(
        request, customer, selectors.quote_list(customer=customer.pk),
        kind="quotes", url_name="sales:customer_quotes",
    )  # fmt: skip
