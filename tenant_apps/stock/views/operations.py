"""Receive and adjust: one product's stock in one warehouse, through the services.

The form carries what was typed to `inputs.clean_operation` (the API's input layer) and
then to stock_receive / stock_adjust, so a page names the same problems on the same
fields as the API, every one at once, and writes nothing until all is well. Receiving is
open to every staff role (the matrix's `receive`), adjusting to managers (`write`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError
from dockpulse.web.access import staff_page
from dockpulse.web.forms import add_service_errors
from tenant_apps.products import selectors as products
from tenant_apps.products.models import Product
from tenant_apps.stock import inputs, selectors
from tenant_apps.stock.forms import PICKER_LIMIT, OperationForm, parse_uuid
from tenant_apps.stock.models import StockLevel, StockMovement
from tenant_apps.stock.services.receipts import stock_adjust, stock_receive
from tenant_apps.stock.services.warehouses import warehouse_default

from .common import MODULE, chosen_product, quantity_text

SEARCH = "product_q"  # the picker's search box (not part of the posted form)


def _options(query: str) -> list[Product]:
    # One more than shown, to say that more match.
    return products.product_search(query, PICKER_LIMIT + 1) if query else []


def _level_now(product: Product | None, warehouse: object) -> StockLevel | None:
    """The figures the form shows next to the product (one indexed query)."""
    warehouse_id = parse_uuid(warehouse) if warehouse else None
    if product is None or warehouse_id is None:
        return None
    return selectors.level_list(product=product.pk, warehouse=warehouse_id).first()


def _done_message(movement: StockMovement, *, signed: bool) -> str:
    level = movement.stock_level
    unit = level.product.unit
    values = {
        "product": f"{level.product.code} {level.product.name}",
        "warehouse": level.warehouse.code,
        "quantity": quantity_text(movement.on_hand_change, unit, signed=signed),
        "on_hand": quantity_text(movement.on_hand_after, unit),
    }
    if signed:
        return (
            _("Stock of %(product)s in %(warehouse)s changed by %(quantity)s. "
              "On hand now: %(on_hand)s.") % values
        )  # fmt: skip
    return (
        _("Received %(quantity)s of %(product)s into %(warehouse)s. On hand now: %(on_hand)s.")
        % values
    )


def _operation(request: HttpRequest, *, signed: bool) -> HttpResponse:
    default = warehouse_default()  # made on first need; always active, listed first
    warehouses = list(selectors.warehouse_list(active=True))
    source = request.POST if request.method == "POST" else request.GET
    chosen = chosen_product(source.get("product"))
    search = source.get(SEARCH, "").strip()
    initial = {
        "product": str(chosen.pk) if chosen else "",
        "warehouse": source.get("warehouse") or str(default.pk),
        **{name: source.get(name, "") for name in ("quantity", "reason", "reference")},
    }
    form = OperationForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        signed=signed,
        warehouses=warehouses,
        chosen=chosen,
        options=_options(search) if request.method == "GET" else (),
        search=search,
    )
    if form.is_bound and form.is_valid():
        try:
            op = inputs.clean_operation(**form.given(), signed=signed)
            write = stock_adjust if signed else stock_receive
            movement = write(
                product=op.product, warehouse=op.warehouse, quantity=op.quantity,
                reason=op.reason, reference=op.reference, actor=staff_actor(request.user),
            )  # fmt: skip
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            fresh = selectors.movement_get(movement.pk)
            messages.success(request, _done_message(fresh, signed=signed))
            query = urlencode({"product": str(op.product.pk)})
            return redirect(f"{reverse('stock:levels')}?{query}")
    context = {
        "form": form,
        "signed": signed,
        "level_now": _level_now(chosen, form["warehouse"].value()),
        "search_name": SEARCH,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "stock/operation.html", context, status=status)


@staff_page("stock", "receive", module=MODULE)
def receive(request: HttpRequest) -> HttpResponse:
    return _operation(request, signed=False)


@staff_page("stock", "write", module=MODULE)
def adjust(request: HttpRequest) -> HttpResponse:
    return _operation(request, signed=True)


@staff_page("stock", module=MODULE)
def product_options(request: HttpRequest) -> HttpResponse:
    """The picker's matches as the user types (a fragment of the picker's template)."""
    search = request.GET.get(SEARCH, "").strip()
    chosen = chosen_product(request.GET.get("product"))
    options = [p for p in _options(search) if chosen is None or p.pk != chosen.pk]
    widget = {
        "name": "product",
        "attrs": {"id": "id_product"},
        "chosen": chosen,
        "options": options[:PICKER_LIMIT],
        "more": len(options) > PICKER_LIMIT,
        "search": search,
        "searched": bool(search),
    }
    return render(request, "stock/product_picker.html#options", {"widget": widget})
