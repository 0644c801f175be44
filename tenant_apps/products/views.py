"""The product pages of the staff panel: list (live filtering), detail, create and edit,
CSV import (dry run, then confirm) and export.

Thin, as the API's views: reads are selectors, writes the services, cleaned by the same
`inputs` inside `services.product_problems`, so a page shows the API's errors on the
fields they name. The tenant's field rules shape every form, table, detail and export.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dockpulse import extensions
from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError
from dockpulse.modules import field_policy
from dockpulse.web.access import can, module_on, staff_page
from dockpulse.web.csv_import import CsvImport
from dockpulse.web.entity_forms import field_rules
from dockpulse.web.forms import add_service_errors
from dockpulse.web.listing import SortOption, listing

from . import inputs, selectors, services
from .forms import CATEGORY_OPTIONS, ProductFilters, ProductForm
from .models import Product

MODULE = "@products"
ENTITY = "product"

SORTS = [
    SortOption("code", gettext_lazy("Code"), ("code", "id")),
    SortOption("-code", gettext_lazy("Code"), ("-code", "-id")),
    SortOption("name", gettext_lazy("Name"), ("name", "code", "id")),
    SortOption("-name", gettext_lazy("Name"), ("-name", "-code", "-id")),
    SortOption("price", gettext_lazy("Net price"), ("price", "code", "id")),
    SortOption("-price", gettext_lazy("Net price"), ("-price", "-code", "-id")),
    SortOption("created", gettext_lazy("Created"), ("created_at", "id")),
    SortOption("-created", gettext_lazy("Created"), ("-created_at", "-id")),
]


def _htmx(request: HttpRequest) -> Any:
    return getattr(request, "htmx", None)


def _get(pk: uuid.UUID) -> Product:
    try:
        return selectors.product_get(pk)
    except Product.DoesNotExist:
        raise Http404 from None


def _filters(request: HttpRequest, hidden: set[str]) -> ProductFilters:
    categories = [] if "category" in hidden else selectors.product_categories()
    return ProductFilters(request.GET, categories=categories, hidden=hidden)


def _csv(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- list and export ----------------------------------------------------------------------


@staff_page("products", module=MODULE)
def product_list(request: HttpRequest) -> HttpResponse:
    hidden = field_policy().hidden_fields(ENTITY)
    filters = _filters(request, hidden)
    rows = listing(request, selectors.product_list(**filters.selection()), sorts=SORTS)
    htmx = _htmx(request)
    context = {
        "filters": filters,
        "listing": rows,
        "hidden": hidden,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "focus_results": bool(htmx) and htmx.boosted,
    }
    partial = bool(htmx) and not htmx.history_restore_request
    template = "products/list.html#results" if partial else "products/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_page("products", module=MODULE)
def product_export(request: HttpRequest) -> HttpResponse:
    """The filtered list, in the list's order, as CSV without the hidden fields."""
    hidden = field_policy().hidden_fields(ENTITY)
    filters = _filters(request, hidden)
    chosen = {option.key: option for option in SORTS}.get(request.GET.get("sort", ""), SORTS[0])
    products = selectors.product_list(**filters.selection()).order_by(*chosen.ordering)
    return _csv(services.product_export_csv(products.iterator(), hidden), "products.csv")


# --- detail ------------------------------------------------------------------------------


def _sections(request: HttpRequest, product: Product) -> list[dict[str, Any]]:
    """The other apps' sections of this page (stock) the user may see, each loaded from
    its own fragment URL."""
    shown = []
    for section in extensions.detail_sections(ENTITY):
        if not module_on(request, section.module):
            continue
        if section.resource and not can(request.user, section.resource, "read"):
            continue
        try:
            url = reverse(section.url_name, kwargs={"pk": product.pk})
        except NoReverseMatch:
            continue
        shown.append({"key": section.key, "label": section.label, "url": url})
    return shown


@staff_page("products", module=MODULE)
def product_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    product = _get(pk)
    context = {
        "product": product,
        "hidden": field_policy().hidden_fields(ENTITY),
        "sections": _sections(request, product),
    }
    return render(request, "products/detail.html", context)


# --- create and edit ---------------------------------------------------------------------


def _form_page(request: HttpRequest, form: ProductForm, product: Product | None) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    categories = [] if "category" not in form.fields else selectors.product_categories()
    context = {
        "form": form,
        "product": product,
        "categories": categories,
        "category_options": CATEGORY_OPTIONS,
    }
    return render(request, "products/form.html", context, status=status)


@staff_page("products", "write", module=MODULE)
def product_new(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = ProductForm(data, rules=field_rules(ENTITY), initial=ProductForm.initial_for(None))
    if form.is_bound and form.is_valid():
        try:
            with services.product_problems(instance=None):
                values = inputs.product_input(form.given())
            product = services.product_create(values=values, actor=staff_actor(request.user))
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Product %(code)s added.") % {"code": product.code})
            return redirect("products:detail", pk=product.pk)
    return _form_page(request, form, None)


@staff_page("products", "write", module=MODULE)
def product_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    product = _get(pk)
    data = request.POST if request.method == "POST" else None
    initial = ProductForm.initial_for(product)
    form = ProductForm(data, rules=field_rules(ENTITY), initial=initial)
    if form.is_bound and form.is_valid():
        try:
            with services.product_problems(instance=product):
                changes = inputs.product_changes(form.given())
            services.product_update(
                product=product, changes=changes, actor=staff_actor(request.user)
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("products:detail", pk=product.pk)
    return _form_page(request, form, product)


# --- CSV import --------------------------------------------------------------------------


def _template_csv() -> str:
    """An empty file with the columns this tenant uses (the export's header)."""
    return services.product_export_csv([], field_policy().hidden_fields(ENTITY))


def _template_columns() -> list[str]:
    return _template_csv().lstrip("\ufeff").strip().split(";")


def _imported(count: int) -> str:
    return ngettext("%(count)d product imported.", "%(count)d products imported.", count) % {
        "count": count
    }


product_import = staff_page("products", "write", module=MODULE)(
    CsvImport(
        run=services.product_import,
        title=gettext_lazy("Import products"),
        list_url="products:list",
        done=_imported,
        columns=_template_columns,
        template_url="products:import_template",
        extra={"required_columns": inputs.REQUIRED},
    ).view
)


@staff_page("products", "write", module=MODULE)
def product_import_template(request: HttpRequest) -> HttpResponse:
    return _csv(_template_csv(), "products-template.csv")
