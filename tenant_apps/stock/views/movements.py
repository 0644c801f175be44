"""The movement ledger, newest first, with live filtering (read-only: it is append-only)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy

from dockpulse.web.access import staff_page
from dockpulse.web.listing import SortOption, listing
from tenant_apps.stock import selectors
from tenant_apps.stock.forms import MovementFilters

from .common import MODULE, chosen_product, htmx, links

# System movements carry the event that caused them as their reason (docs/stock.md).
REASONS = {
    "order.created": gettext_lazy("Order placed"),
    "order.lines_changed": gettext_lazy("Order lines changed"),
    "order.cancelled": gettext_lazy("Order cancelled"),
    "order.shipped": gettext_lazy("Order shipped"),
}

SORTS = [
    SortOption("-created", gettext_lazy("When"), ("-created_at", "-id")),
    SortOption("created", gettext_lazy("When"), ("created_at", "id")),
]


@staff_page("stock", module=MODULE)
def movement_list(request: HttpRequest) -> HttpResponse:
    filters = MovementFilters(request.GET, warehouses=list(selectors.warehouse_list()))
    selection = filters.selection()
    rows = listing(request, selectors.movement_list(**selection), sorts=SORTS)
    for movement in rows.rows:
        movement.reason_label = REASONS.get(movement.reason, movement.reason)
    hx = htmx(request)
    context = {
        "filters": filters,
        "listing": rows,
        "product": chosen_product(selection["product"]) if selection["product"] else None,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "focus_results": bool(hx) and hx.boosted,
        **links(request),
    }
    partial = bool(hx) and not hx.history_restore_request
    template = "stock/movements.html#results" if partial else "stock/movements.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
