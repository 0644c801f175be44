"""Warehouses: the list (every role reads it, as the API), create, edit, make default,
deactivate and reactivate (managers and admins), all through the warehouse services."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError
from dockpulse.web.access import staff_page
from dockpulse.web.forms import add_service_errors
from tenant_apps.stock import inputs, selectors
from tenant_apps.stock.forms import WarehouseForm
from tenant_apps.stock.models import Warehouse
from tenant_apps.stock.services.warehouses import (
    warehouse_create,
    warehouse_default,
    warehouse_update,
)

from .common import MODULE


def _warehouse(pk: uuid.UUID) -> Warehouse:
    try:
        return selectors.warehouse_get(pk)
    except Warehouse.DoesNotExist:
        raise Http404 from None


@staff_page("stock", module=MODULE)
def warehouse_list(request: HttpRequest) -> HttpResponse:
    warehouse_default()  # made on first need, as the API's list does
    context = {"warehouses": list(selectors.warehouse_list())}
    return render(request, "stock/warehouses.html", context)


def _form_page(
    request: HttpRequest, form: WarehouseForm, warehouse: Warehouse | None
) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "warehouse": warehouse}
    return render(request, "stock/warehouse_form.html", context, status=status)


@staff_page("stock", "write", module=MODULE)
def warehouse_new(request: HttpRequest) -> HttpResponse:
    form = WarehouseForm(request.POST if request.method == "POST" else None, creating=True)
    if form.is_bound and form.is_valid():
        try:
            values = inputs.warehouse_input(form.given())
            warehouse = warehouse_create(values=values, actor=staff_actor(request.user))
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Warehouse %(code)s added.") % {"code": warehouse.code})
            return redirect("stock:warehouses")
    return _form_page(request, form, None)


@staff_page("stock", "write", module=MODULE)
def warehouse_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    warehouse = _warehouse(pk)
    initial = {"code": warehouse.code, "name": warehouse.name, "address": warehouse.address}
    data = request.POST if request.method == "POST" else None
    form = WarehouseForm(data, initial=initial, creating=False)
    if form.is_bound and form.is_valid():
        try:
            changes = inputs.warehouse_changes(form.given(), warehouse=warehouse)
            warehouse_update(warehouse=warehouse, changes=changes, actor=staff_actor(request.user))
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("stock:warehouses")
    return _form_page(request, form, warehouse)


def _change(request: HttpRequest, warehouse: Warehouse, given: dict[str, bool], done: str) -> None:
    """A one-flag change from a list button: done, or the refusal as a page message."""
    try:
        changes = inputs.warehouse_changes(given, warehouse=warehouse)
        warehouse_update(warehouse=warehouse, changes=changes, actor=staff_actor(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)


@staff_page("stock", "write", module=MODULE)
@require_POST
def warehouse_make_default(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    warehouse = _warehouse(pk)
    done = _("%(code)s is now the default warehouse: new orders reserve from it.") % {
        "code": warehouse.code
    }
    _change(request, warehouse, {"is_default": True}, done)
    return redirect("stock:warehouses")


@staff_page("stock", "write", module=MODULE)
@require_POST
def warehouse_set_active(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    warehouse = _warehouse(pk)
    active = request.POST.get("active") == "1"
    code = {"code": warehouse.code}
    done = (
        _("Warehouse %(code)s is active again.") % code
        if active
        else _("Warehouse %(code)s deactivated: it takes no more receipts or adjustments.") % code
    )
    _change(request, warehouse, {"is_active": active}, done)
    return redirect("stock:warehouses")
