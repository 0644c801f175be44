"""The customer pages of the staff panel: list (live filtering), detail, create and edit,
CSV import (dry run, then confirm) and export.

Thin, as the API's views: reads are selectors, writes the services, cleaned by the same
`inputs` inside `services.customer_problems`, so a page shows the API's errors on the
fields they name. The tenant's field rules shape every form, table, detail and export.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

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
from .forms import CustomerFilters, CustomerForm
from .models import Customer

MODULE = "@customers"
PORTAL_MODULE = "@portal"
ENTITY = "customer"
TIMELINE_LATEST = 20

SORTS = [
    SortOption("name", gettext_lazy("Name"), ("name", "id")),
    SortOption("-name", gettext_lazy("Name"), ("-name", "-id")),
    SortOption("company", gettext_lazy("Company"), ("company_name", "name", "id")),
    SortOption("-company", gettext_lazy("Company"), ("-company_name", "-name", "-id")),
    SortOption("created", gettext_lazy("Created"), ("created_at", "id")),
    SortOption("-created", gettext_lazy("Created"), ("-created_at", "-id")),
]

# What the timeline says for each event type; others show the type itself.
EVENT_LABELS = {
    "customer.created": gettext_lazy("Customer created"),
    "customer.updated": gettext_lazy("Details changed"),
    "customer.portal_login": gettext_lazy("Signed in to the portal"),
    "portal.order_placed": gettext_lazy("Ordered in the portal"),
    "portal.quote_accepted": gettext_lazy("Accepted a quote in the portal"),
    "portal.message_sent": gettext_lazy("Sent a message from the portal"),
    "order.created": gettext_lazy("Order created"),
    "order.confirmed": gettext_lazy("Order confirmed"),
    "order.in_progress": gettext_lazy("Order in progress"),
    "order.shipped": gettext_lazy("Order shipped"),
    "order.delivered": gettext_lazy("Order delivered"),
    "order.cancelled": gettext_lazy("Order cancelled"),
    "quote.created": gettext_lazy("Quote created"),
    "quote.sent": gettext_lazy("Quote sent"),
    "quote.accepted": gettext_lazy("Quote accepted"),
    "quote.rejected": gettext_lazy("Quote rejected"),
    "quote.expired": gettext_lazy("Quote expired"),
    "entity.created": gettext_lazy("Created"),
    "entity.updated": gettext_lazy("Changed"),
}


def _htmx(request: HttpRequest) -> Any:
    return getattr(request, "htmx", None)


def _get(pk: uuid.UUID) -> Customer:
    try:
        return selectors.customer_get(pk)
    except Customer.DoesNotExist:
        raise Http404 from None


def _sorts(hidden: set[str]) -> list[SortOption]:
    if "company_name" in hidden:
        return [option for option in SORTS if "company" not in option.key]
    return SORTS


def _filters(request: HttpRequest, hidden: set[str]) -> CustomerFilters:
    tags = [] if "tags" in hidden else selectors.customer_tags()
    return CustomerFilters(request.GET, tags=tags, hidden=hidden)


# --- list and export ----------------------------------------------------------------------


@staff_page("customers", module=MODULE)
def customer_list(request: HttpRequest) -> HttpResponse:
    hidden = field_policy().hidden_fields(ENTITY)
    filters = _filters(request, hidden)
    rows = listing(request, selectors.customer_list(**filters.selection()), sorts=_sorts(hidden))
    htmx = _htmx(request)
    context = {
        "filters": filters,
        "listing": rows,
        "hidden": hidden,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        # After a page or sort link swapped the table, focus its heading (not while typing).
        "focus_results": bool(htmx) and htmx.boosted,
    }
    # A history restore (the back button without htmx's cache) wants the whole page.
    partial = bool(htmx) and not htmx.history_restore_request
    template = "customers/list.html#results" if partial else "customers/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_page("customers", module=MODULE)
def customer_export(request: HttpRequest) -> HttpResponse:
    """The filtered list, in the list's order, as CSV without the hidden fields."""
    hidden = field_policy().hidden_fields(ENTITY)
    filters = _filters(request, hidden)
    sorts = {option.key: option for option in _sorts(hidden)}
    chosen = sorts.get(request.GET.get("sort", ""), SORTS[0])
    customers = selectors.customer_list(**filters.selection()).order_by(*chosen.ordering)
    body = services.customer_export_csv(customers.iterator(), hidden)
    return _csv(body, "customers.csv")


def _csv(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- detail ------------------------------------------------------------------------------


def _sections(request: HttpRequest, customer: Customer) -> list[dict[str, Any]]:
    """The other apps' sections of this page (orders, quotes) the user may see, each
    loaded from its own fragment URL."""
    shown = []
    for section in extensions.detail_sections(ENTITY):
        if not module_on(request, section.module):
            continue
        if section.resource and not can(request.user, section.resource, "read"):
            continue
        try:
            url = reverse(section.url_name, kwargs={"pk": customer.pk})
        except NoReverseMatch:
            continue
        shown.append({"key": section.key, "label": section.label, "url": url})
    return shown


# A customer.updated about portal access (portal_access.py) says which step it was.
PORTAL_ACCESS_LABELS = {
    "granted": gettext_lazy("Portal access turned on"),
    "renewed": gettext_lazy("New portal password sent"),
    "revoked": gettext_lazy("Portal access turned off"),
}


PORTAL_PROFILE_LABEL = gettext_lazy("Changed their details in the portal")


def _label(entry: Any, summary: dict[str, Any]) -> Any:
    step = summary.get("portal_access")
    if isinstance(step, str) and step in PORTAL_ACCESS_LABELS:
        return PORTAL_ACCESS_LABELS[step]
    if entry.event_type == "customer.updated" and entry.event.actor_type == "customer":
        return PORTAL_PROFILE_LABEL
    return EVENT_LABELS.get(entry.event_type) or extensions.event_label(entry.event_type)


def _timeline_rows(entries: Sequence[Any]) -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        summary = entry.summary if isinstance(entry.summary, dict) else {}
        rows.append({"entry": entry, "label": _label(entry, summary), "summary": summary})
    return rows


@staff_page("customers", module=MODULE)
def customer_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    customer = _get(pk)
    entries, more = selectors.timeline_latest(customer, TIMELINE_LATEST)
    context = {
        "customer": customer,
        "hidden": field_policy().hidden_fields(ENTITY),
        "timeline": _timeline_rows(entries),
        "timeline_more": more,
        "sections": _sections(request, customer),
        # The portal access buttons: the portal module on and the role may write customers.
        "portal_on": module_on(request, PORTAL_MODULE),
    }
    return render(request, "customers/detail.html", context)


@staff_page("customers", module=MODULE)
def customer_timeline(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    customer = _get(pk)
    newest = SortOption("newest", gettext_lazy("Newest first"), ("-occurred_at", "-id"))
    rows = listing(request, selectors.timeline(customer), sorts=[newest])
    context = {"customer": customer, "listing": rows, "timeline": _timeline_rows(rows.rows)}
    return render(request, "customers/timeline.html", context)


# --- portal access -----------------------------------------------------------------------


def _portal_access(request: HttpRequest, pk: uuid.UUID, *, on: bool) -> HttpResponse:
    if not module_on(request, PORTAL_MODULE):
        raise Http404
    customer = _get(pk)
    renewing = customer.is_portal_active
    actor = staff_actor(request.user)
    try:
        if on:
            services.customer_portal_access_grant(customer=customer, actor=actor)
        else:
            services.customer_portal_access_revoke(customer=customer, actor=actor)
    except (ValidationError, DomainError) as exc:
        text = exc.message if isinstance(exc, DomainError) else " ".join(exc.messages)
        messages.error(request, text)
    else:
        names = {"name": customer.name, "phone": customer.phone}
        if not on:
            text = _("Portal access for %(name)s is off; their portal sessions have ended.")
        elif renewing:
            text = _("A new portal password was sent to %(name)s by SMS (%(phone)s); the "
                     "old one no longer works.")  # fmt: skip
        else:
            text = _("Portal access for %(name)s is on: the password was sent by SMS to "
                     "%(phone)s.")  # fmt: skip
        messages.success(request, text % names)
    return redirect("customers:detail", pk=pk)


@staff_page("customers", "write", module=MODULE)
@require_POST
def customer_portal_grant(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Turn portal access on, or send a new password (the same step)."""
    return _portal_access(request, pk, on=True)


@staff_page("customers", "write", module=MODULE)
@require_POST
def customer_portal_revoke(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _portal_access(request, pk, on=False)


# --- create and edit ---------------------------------------------------------------------


def _form_page(request: HttpRequest, form: CustomerForm, customer: Customer | None) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "customer": customer}
    return render(request, "customers/form.html", context, status=status)


@staff_page("customers", "write", module=MODULE)
def customer_new(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = CustomerForm(data, rules=field_rules(ENTITY), initial=CustomerForm.initial_for(None))
    if form.is_bound and form.is_valid():
        try:
            with services.customer_problems(instance=None):
                values = inputs.customer_input(form.given(creating=True))
            customer = services.customer_create(values=values, actor=staff_actor(request.user))
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Customer %(name)s added.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return _form_page(request, form, None)


@staff_page("customers", "write", module=MODULE)
def customer_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    customer = _get(pk)
    data = request.POST if request.method == "POST" else None
    initial = CustomerForm.initial_for(customer)
    form = CustomerForm(data, rules=field_rules(ENTITY), initial=initial)
    if form.is_bound and form.is_valid():
        try:
            with services.customer_problems(instance=customer):
                changes = inputs.customer_changes(form.given(creating=False))
            services.customer_update(
                customer=customer, changes=changes, actor=staff_actor(request.user)
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=customer.pk)
    return _form_page(request, form, customer)


# --- CSV import --------------------------------------------------------------------------


def _template_csv() -> str:
    """An empty file with the columns this tenant uses (the export's header)."""
    return services.customer_export_csv([], field_policy().hidden_fields(ENTITY))


def _template_columns() -> list[str]:
    return _template_csv().lstrip("\ufeff").strip().split(";")


def _imported(count: int) -> str:
    return ngettext("%(count)d customer imported.", "%(count)d customers imported.", count) % {
        "count": count
    }


customer_import = staff_page("customers", "write", module=MODULE)(
    CsvImport(
        run=services.customer_import,
        title=gettext_lazy("Import customers"),
        list_url="customers:list",
        done=_imported,
        columns=_template_columns,
        template_url="customers:import_template",
        extra={"required_columns": inputs.REQUIRED},
    ).view
)


@staff_page("customers", "write", module=MODULE)
def customer_import_template(request: HttpRequest) -> HttpResponse:
    return _csv(_template_csv(), "customers-template.csv")
