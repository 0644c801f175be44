"""The levels page: per product and warehouse, on hand / reserved / available against the
low-stock threshold, with live filtering, and the threshold edited in its row."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dockpulse.actors import staff_actor
from dockpulse.web.access import staff_page
from dockpulse.web.forms import add_service_errors
from dockpulse.web.listing import SortOption, listing
from dockpulse.web.templatetags.panel import qty
from tenant_apps.stock import inputs, selectors
from tenant_apps.stock.forms import LevelFilters, ThresholdForm
from tenant_apps.stock.models import StockLevel
from tenant_apps.stock.services.receipts import stock_level_update

from .common import MODULE, chosen_product, htmx, links, quantity_text, safe_next

SORTS = [
    SortOption("product", gettext_lazy("Product"), ("product__code", "warehouse__code", "id")),
    SortOption("-product", gettext_lazy("Product"), ("-product__code", "-warehouse__code", "-id")),
    SortOption("name", gettext_lazy("Name"), ("product__name", "product__code", "id")),
    SortOption("-name", gettext_lazy("Name"), ("-product__name", "-product__code", "-id")),
    SortOption("warehouse", gettext_lazy("Warehouse"), ("warehouse__code", "product__code", "id")),
    SortOption(
        "-warehouse", gettext_lazy("Warehouse"), ("-warehouse__code", "-product__code", "-id")
    ),
    SortOption("on_hand", gettext_lazy("On hand"), ("on_hand", "product__code", "id")),
    SortOption("-on_hand", gettext_lazy("On hand"), ("-on_hand", "-product__code", "-id")),
    SortOption("available", gettext_lazy("Available"), ("free", "product__code", "id")),
    SortOption("-available", gettext_lazy("Available"), ("-free", "-product__code", "-id")),
]


def _level(pk: uuid.UUID) -> StockLevel:
    try:
        return selectors.level_get(pk)
    except StockLevel.DoesNotExist:
        raise Http404 from None


@staff_page("stock", module=MODULE)
def level_list(request: HttpRequest) -> HttpResponse:
    filters = LevelFilters(request.GET, warehouses=list(selectors.warehouse_list()))
    selection = filters.selection()
    rows = listing(request, selectors.level_list(**selection), sorts=SORTS)
    hx = htmx(request)
    context = {
        "filters": filters,
        "listing": rows,
        "product": chosen_product(selection["product"]) if selection["product"] else None,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "focus_results": bool(hx) and hx.boosted,
        "next": request.get_full_path(),
        **links(request),
    }
    partial = bool(hx) and not hx.history_restore_request
    template = "stock/levels.html#results" if partial else "stock/levels.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _row(request: HttpRequest, level: StockLevel, **extra: Any) -> HttpResponse:
    context = {"level": level, "next": safe_next(request, reverse("stock:levels")), **extra}
    return render(request, "stock/levels.html#row", {**context, **links(request)})


@staff_page("stock", "write", module=MODULE)
def level_threshold(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Change a level's low-stock threshold: in its row (htmx) or on its own page."""
    level = _level(pk)
    initial = {"low_stock_threshold": qty(level.low_stock_threshold)}
    form = ThresholdForm(request.POST if request.method == "POST" else None, initial=initial)
    hx = htmx(request)
    if form.is_bound and form.is_valid():
        try:
            threshold = inputs.level_threshold(form.cleaned_data)
            stock_level_update(
                level=level, low_stock_threshold=threshold, actor=staff_actor(request.user)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            fresh = selectors.level_get(level.pk)
            if hx:
                return _row(request, fresh, saved=True)
            messages.success(request, _saved(fresh))
            return redirect(safe_next(request, reverse("stock:levels")))
    if hx and form.is_bound:
        # A fragment, answered 200 so that htmx swaps it in with the error on the field.
        error = " ".join(str(e) for e in form.errors.get("low_stock_threshold", []))
        return _row(request, level, error=error, typed=request.POST.get("low_stock_threshold"))
    status = 400 if form.is_bound and form.errors else 200
    context = {"level": level, "form": form, "next": safe_next(request, reverse("stock:levels"))}
    return render(request, "stock/threshold.html", context, status=status)


def _saved(level: StockLevel) -> str:
    return _("Low-stock threshold of %(product)s in %(warehouse)s: %(threshold)s.") % {
        "product": level.product.code,
        "warehouse": level.warehouse.code,
        "threshold": quantity_text(level.low_stock_threshold, level.product.unit),
    }


@staff_page("stock", module=MODULE)
def product_levels(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A product's stock in every warehouse: the "Stock" section of the product's page
    (extensions.detail_section), loaded on its own so that page's queries stay put."""
    product = chosen_product(pk)
    if product is None:
        raise Http404
    context = {"product": product, "levels": list(selectors.level_list(product=product.pk))}
    return render(request, "stock/product_section.html", context)
