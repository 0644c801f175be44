"""The order pages of the staff panel: the list (status tabs with counts, filters, sort,
live filtering, CSV export), the detail page (lines with what stock holds for them, totals
per VAT rate, history, events) and the status moves.

The detail page offers exactly the moves `services.order_moves` allows the user from the
order's state; a move posts the status the user saw, so a click on a page that someone
else changed meanwhile is refused in words (the service's "stale" conflict) instead of
being applied to a state the user never saw. Create and edit are the line editor's
(views/editor.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dockpulse import csvio, extensions
from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError, NotPermitted, StateConflict
from dockpulse.events.selectors import event_list
from dockpulse.web.access import can, module_on, staff_page
from dockpulse.web.listing import SortOption, listing
from tenant_apps.customers.models import Customer
from tenant_apps.sales import selectors, services
from tenant_apps.sales.line_stock import line_stock
from tenant_apps.sales.models import Order, Source
from tenant_apps.sales.services.orders import order_moves

MODULE = "@orders"
S = Order.Status
EVENTS_SHOWN = 30

SORTS = [
    SortOption("-created", gettext_lazy("Newest first"), ("-created_at", "-number")),
    SortOption("created", gettext_lazy("Oldest first"), ("created_at", "number")),
    SortOption("number", gettext_lazy("Number"), ("number",)),
    SortOption("-number", gettext_lazy("Number"), ("-number",)),
    SortOption("gross", gettext_lazy("Gross"), ("total_gross", "number")),
    SortOption("-gross", gettext_lazy("Gross"), ("-total_gross", "-number")),
    SortOption("customer", gettext_lazy("Customer"), ("customer__name", "-created_at", "number")),
    SortOption("-customer", gettext_lazy("Customer"), ("-customer__name", "-created_at", "number")),
]

# What the detail page's event list says for each event type; others show the type.
EVENT_LABELS = {
    "order.created": gettext_lazy("Order created"),
    "order.confirmed": gettext_lazy("Order confirmed"),
    "order.in_progress": gettext_lazy("Order in progress"),
    "order.shipped": gettext_lazy("Order shipped"),
    "order.delivered": gettext_lazy("Order delivered"),
    "order.cancelled": gettext_lazy("Order cancelled"),
    "entity.updated": gettext_lazy("Order changed"),
}

# The buttons of the moves, in the order of the workflow.
MOVE_LABELS = {
    S.CONFIRMED: gettext_lazy("Confirm"),
    S.IN_PROGRESS: gettext_lazy("Start work"),
    S.SHIPPED: gettext_lazy("Ship"),
    S.DELIVERED: gettext_lazy("Mark delivered"),
    S.CANCELLED: gettext_lazy("Cancel order"),
}


def _htmx(request: HttpRequest) -> Any:
    return getattr(request, "htmx", None)


# --- the list ----------------------------------------------------------------------------


class OrderFilters(forms.Form):
    """The list's filters, read from the query string (a shared link shows the same)."""

    q = forms.CharField(
        label=gettext_lazy("Number"),
        required=False,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    status = forms.CharField(required=False, widget=forms.HiddenInput)
    # Filled by the customer picker next to it (line-editor.js).
    customer = forms.UUIDField(
        required=False, widget=forms.HiddenInput(attrs={"data-picker-value": ""})
    )
    created_from = forms.DateField(
        label=gettext_lazy("Created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    created_to = forms.DateField(
        label=gettext_lazy("Created to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Source.choices],
    )
    assigned_to = forms.ChoiceField(label=gettext_lazy("Handled by"), required=False)

    def __init__(self, *args: Any, staff: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Anyone")), *((str(u.pk), u.get_full_name()) for u in staff)]

    def selection(self) -> dict[str, Any]:
        """order_list's keywords for the filters that are valid (a bad one is left out)."""
        self.is_valid()
        data = self.cleaned_data
        status = data.get("status") or ""
        statuses = [s for s in status.split(",") if s in S.values]
        assigned = data.get("assigned_to") or ""
        return {
            "search": (data.get("q") or "").strip(),
            "status": ",".join(statuses),
            "customer": data.get("customer"),
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
            "source": data.get("source") or "",
            "assigned_to": uuid.UUID(assigned) if assigned else None,
        }


FILTER_NAMES = ("q", "customer", "created_from", "created_to", "source", "assigned_to")


def _filters(request: HttpRequest) -> OrderFilters:
    return OrderFilters(request.GET, staff=selectors.staff_choices())


def _tabs(selection: dict[str, Any]) -> list[dict[str, Any]]:
    counts = selectors.order_status_counts(**selection)
    tabs = [{"key": "", "label": _("All"), "count": sum(counts.values())}]
    tabs += [{"key": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in S]
    return tabs


@staff_page("orders", module=MODULE)
def order_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    selection = filters.selection()
    rows = listing(request, selectors.order_rows(**selection), sorts=SORTS)
    customer = None
    if selection["customer"]:
        customer = Customer.objects.filter(pk=selection["customer"]).first()
    htmx = _htmx(request)
    context = {
        "filters": filters,
        "listing": rows,
        "tabs": _tabs(selection),
        "status": selection["status"],
        "customer": customer,
        "filtered": any(request.GET.get(name) for name in FILTER_NAMES),
        "focus_results": bool(htmx) and htmx.boosted,
    }
    partial = bool(htmx) and not htmx.history_restore_request
    template = "sales/orders/list.html#results" if partial else "sales/orders/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


EXPORT_COLUMNS = [
    "number", "created_at", "status", "customer", "customer_nip", "source", "handled_by",
    "delivery_date", "total_net", "total_vat", "total_gross", "tracking_number",
]  # fmt: skip


def _export_cells(order: Order) -> list[object]:
    created = timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M")
    return [
        order.number, created, order.status, order.customer.name, order.customer.nip,
        order.source, order.assigned_to.get_full_name() if order.assigned_to else "",
        order.delivery_date.isoformat() if order.delivery_date else "", order.total_net,
        order.total_vat, order.total_gross, order.tracking_number,
    ]  # fmt: skip


@staff_page("orders", module=MODULE)
def order_export(request: HttpRequest) -> HttpResponse:
    """The filtered list, in the list's order, as CSV (UTF-8 with BOM, `;`)."""
    selection = _filters(request).selection()
    options = {option.key: option for option in SORTS}
    chosen = options.get(request.GET.get("sort", ""), SORTS[0])
    orders = selectors.order_rows(**selection).order_by(*chosen.ordering)
    body = csvio.write(EXPORT_COLUMNS, (_export_cells(o) for o in orders.iterator(2000)))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="orders.csv"'
    return response


# --- the detail page ---------------------------------------------------------------------


def _get(pk: uuid.UUID) -> Order:
    try:
        return selectors.order_detail(pk)
    except Order.DoesNotExist:
        raise Http404 from None


def _pdf(order: Order) -> dict[str, Any]:
    """The PDF link's context once the documents' include and URL exist (built in
    parallel by another part of the panel); nothing until then."""
    try:
        get_template("sales/pdf/link.html")
        url = reverse("sales:order_pdf", args=[order.pk])
        from tenant_apps.sales.documents import pdf_status
    except (TemplateDoesNotExist, NoReverseMatch, ImportError):
        return {}
    return {"pdf_url": url, "pdf": pdf_status()}


def _detail(
    request: HttpRequest,
    order: Order,
    *,
    problem: str = "",
    form_errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    lines = list(order.lines.all())
    stock_on = module_on(request, "@stock")
    rows: list[dict[str, Any]] = [
        {"line": line, "stock": line_stock(line) if stock_on else None} for line in lines
    ]
    vat = selectors.vat_summary((line.vat_rate, line.total_net, line.total_vat) for line in lines)
    events: list[dict[str, Any]] = []
    if can(request.user, "events"):
        entries = event_list(entity_type="order", entity_id=order.pk)[:EVENTS_SHOWN]
        events = [{"event": e, "label": _event_label(e.event_type)} for e in entries]
    allowed = order_moves(order=order, actor=staff_actor(request.user))
    moves = [{"to": to, "label": MOVE_LABELS.get(to, to)} for to in MOVE_LABELS if to in allowed]
    context = {
        "order": order,
        "rows": rows,
        "stock_on": stock_on and any(row["stock"] and row["stock"].status for row in rows),
        "vat": vat,
        "history": [
            {"change": c, "from": _label(c.from_status), "to": _label(c.to_status)}
            for c in selectors.order_history(order)
        ],
        "events": events,
        "show_events": can(request.user, "events"),
        "moves": moves,
        "problem": problem,
        "form_errors": form_errors or {},
        "posted": posted or {},
        "editable": order.status == S.NEW and can(request.user, "orders", "write"),
        **_pdf(order),
    }
    return render(request, "sales/orders/detail.html", context, status=status)


def _event_label(event_type: str) -> str:
    # Another app's event on this order (stock's) is named as that app declared it.
    return str(EVENT_LABELS.get(event_type) or extensions.event_label(event_type))


def _label(status: str) -> str:
    return str(S(status).label) if status in S.values else status


@staff_page("orders", module=MODULE)
def order_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _detail(request, _get(pk))


@staff_page("orders", "transition", module=MODULE)
@require_POST
def order_transition(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One move of the status machine; any refusal re-renders the page saying why."""
    order = _get(pk)
    to = request.POST.get("to", "")
    note = request.POST.get("note", "").strip()[:2000]
    tracking = request.POST.get("tracking_number", "").strip()[:100]
    posted = {"to": to, "note": note, "tracking_number": tracking}
    if to == S.CANCELLED and not note:
        # The panel asks why: the history and the customer's notice should say.
        errors = {"note": _("Say why the order is cancelled.")}
        return _detail(request, order, form_errors=errors, posted=posted, status=400)
    try:
        services.order_transition(
            order=order,
            to=to,
            actor=staff_actor(request.user),
            note=note,
            tracking_number=tracking,
            expected_status=request.POST.get("expected_status", ""),
        )
    except ValidationError as exc:
        found = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        errors = {name: " ".join(msgs) for name, msgs in found.items()}
        problem = " ".join(m for name, m in errors.items() if name not in ("tracking_number",))
        return _detail(request, _get(pk), problem=problem, form_errors=errors, posted=posted,
                       status=400)  # fmt: skip
    except DomainError as exc:
        current = _get(pk)
        if exc.code == "stale" and current.status == to and _last_mover(current) == request.user.pk:
            # A double click: the first click made this very move, nothing is wrong.
            messages.info(request, _("The order is now %(status)s.") % {"status": S(to).label})
            return redirect("sales:order_detail", pk=order.pk)
        status = 409 if isinstance(exc, StateConflict) else 403 if isinstance(
            exc, NotPermitted) else exc.status  # fmt: skip
        return _detail(request, current, problem=str(exc.message), status=status)
    label = S(to).label
    messages.success(request, _("The order is now %(status)s.") % {"status": label})
    return redirect("sales:order_detail", pk=order.pk)


def _last_mover(order: Order) -> Any:
    last = selectors.order_last_change(order)
    return last.actor_id if last is not None else None


urlpatterns = [
    path("orders/", order_list, name="order_list"),
    path("orders/export.csv", order_export, name="order_export"),
    path("orders/<uuid:pk>/", order_detail, name="order_detail"),
    path("orders/<uuid:pk>/transition/", order_transition, name="order_transition"),
]
