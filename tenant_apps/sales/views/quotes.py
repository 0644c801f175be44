"""The quote pages of the staff panel: the list (status tabs, filters, live filtering, CSV),
a quote's page, and its actions (send, accept on the customer's behalf, reject, convert).

Thin, like the API: reads are selectors, writes the quote services. The create and edit
pages (the shared line editor) live in views/editor.py.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dockpulse import csvio, extensions
from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError, StateConflict
from dockpulse.security.clientip import client_ip
from dockpulse.web.access import staff_page
from dockpulse.web.forms import add_service_errors
from dockpulse.web.listing import SortOption, listing
from tenant_apps.accounts.selectors import user_list
from tenant_apps.customers.models import Customer
from tenant_apps.customers.selectors import customer_get
from tenant_apps.sales import documents, selectors
from tenant_apps.sales.models import Quote, Source
from tenant_apps.sales.services import quotes as service

MODULE = "@quotes"
Q = Quote.Status

SORTS = [
    SortOption("-created", gettext_lazy("Created"), ("-created_at", "-number")),
    SortOption("created", gettext_lazy("Created"), ("created_at", "number")),
    SortOption("number", gettext_lazy("Number"), ("number",)),
    SortOption("-number", gettext_lazy("Number"), ("-number",)),
    SortOption("customer", gettext_lazy("Customer"), ("customer__name", "-created_at", "number")),
    SortOption("-customer", gettext_lazy("Customer"), ("-customer__name", "-created_at", "number")),
    SortOption("valid", gettext_lazy("Valid until"), ("valid_until", "number")),
    SortOption("-valid", gettext_lazy("Valid until"), ("-valid_until", "-number")),
    SortOption("total", gettext_lazy("Gross total"), ("total_gross", "number")),
    SortOption("-total", gettext_lazy("Gross total"), ("-total_gross", "-number")),
]

# What a quote's page says for each of its events.
EVENT_LABELS = {
    "quote.created": gettext_lazy("Created"),
    "quote.sent": gettext_lazy("Sent"),
    "quote.accepted": gettext_lazy("Accepted"),
    "quote.rejected": gettext_lazy("Rejected"),
    "quote.expired": gettext_lazy("Expired"),
    "entity.updated": gettext_lazy("Changed"),
}


# --- forms -------------------------------------------------------------------------------


class QuoteFilters(forms.Form):
    """The list's filters, read from the query string (a shared link shows the same)."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        help_text=gettext_lazy("Part of the number or the customer's name."),
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    assigned_to = forms.ChoiceField(label=gettext_lazy("Handled by"), required=False)
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
    # Set by the tabs and by links from a customer's page; kept by the form as hidden inputs.
    status = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    customer = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, staff: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        handled = self.fields["assigned_to"]
        assert isinstance(handled, forms.ChoiceField)
        handled.choices = [("", gettext_lazy("Anyone")), *staff]
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", ""), *Q.choices]

    def selection(self) -> dict[str, Any]:
        """quote_rows' keywords for the filters that are valid (a bad one is left out)."""
        self.is_valid()
        data = self.cleaned_data
        handled = data.get("assigned_to") or ""
        return {
            "search": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "customer": data.get("customer"),
            "assigned_to": uuid.UUID(handled) if handled else None,
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
        }


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        help_text=gettext_lazy("What the customer said, for the record."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- list and export ---------------------------------------------------------------------


def _staff_choices() -> list[tuple[str, str]]:
    return [(str(user.pk), user.get_full_name()) for user in user_list(active=True)]


def _filters(request: HttpRequest) -> QuoteFilters:
    return QuoteFilters(request.GET, staff=_staff_choices())


def _tabs(counts: dict[str, int]) -> list[dict[str, Any]]:
    tabs: list[dict[str, Any]] = [{"key": "", "label": _("All"), "count": sum(counts.values())}]
    for key, label in Q.choices:
        tabs.append({"key": key, "label": label, "count": counts.get(key, 0)})
    return tabs


@staff_page("quotes", module=MODULE)
def quote_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    selection = filters.selection()
    rows = listing(request, selectors.quote_rows(**selection), sorts=SORTS)
    customer: Customer | None = None
    if selection["customer"]:
        try:
            customer = customer_get(selection["customer"])
        except Customer.DoesNotExist:
            customer = None
    htmx: Any = getattr(request, "htmx", None)
    context = {
        "filters": filters,
        "listing": rows,
        "tabs": _tabs(selectors.quote_status_counts(**selection)),
        "status": selection["status"],
        "customer": customer,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "focus_results": bool(htmx) and htmx.boosted,
    }
    partial = bool(htmx) and not htmx.history_restore_request
    template = "sales/quotes/list.html#results" if partial else "sales/quotes/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


EXPORT_COLUMNS = [
    "number", "status", "customer", "created", "valid_until", "handled_by",
    "total_net", "total_vat", "total_gross", "sent_at", "accepted_at", "accepted_by",
    "rejected_at", "rejection_reason", "order",
]  # fmt: skip


def _export_row(quote: Any) -> list[object]:
    def when(value: Any) -> str:
        return value.isoformat(timespec="seconds") if value else ""

    handler = quote.assigned_to
    return [
        quote.number, quote.shown_status, quote.customer.name, when(quote.created_at),
        quote.valid_until.isoformat(), handler.get_full_name() if handler else "",
        quote.total_net, quote.total_vat, quote.total_gross, when(quote.sent_at),
        when(quote.accepted_at), quote.accepted_by, when(quote.rejected_at),
        quote.rejection_reason, quote.order.number if quote.order else "",
    ]  # fmt: skip


@staff_page("quotes", module=MODULE)
def quote_export(request: HttpRequest) -> HttpResponse:
    """The filtered list, in the list's order, as CSV (the status as the list shows it)."""
    options = {option.key: option for option in SORTS}
    chosen = options.get(request.GET.get("sort", ""), SORTS[0])
    quotes = selectors.quote_rows(**_filters(request).selection()).order_by(*chosen.ordering)
    body = csvio.write(EXPORT_COLUMNS, (_export_row(q) for q in quotes.iterator(chunk_size=500)))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="quotes.csv"'
    return response


# --- detail ------------------------------------------------------------------------------


def _get(pk: uuid.UUID) -> Quote:
    try:
        return selectors.quote_detail(pk)
    except Quote.DoesNotExist:
        raise Http404 from None


def _events(quote: Quote) -> list[dict[str, Any]]:
    rows = []
    for entry in selectors.quote_events(quote):
        event = entry.event
        payload = event.payload if isinstance(event.payload, dict) else {}
        label = EVENT_LABELS.get(event.event_type) or extensions.event_label(event.event_type)
        if event.event_type == "entity.updated" and "order" in payload.get("changed", []):
            label = _("Converted to an order")
        who = entry.actor_name
        if not who:
            who = _("Customer") if event.actor_type == "customer" else _("System")
        rows.append({"event": event, "label": label, "who": who, "payload": payload})
    return rows


def _order_url(order_id: Any) -> str:
    try:
        return reverse("sales:order_detail", args=[order_id])
    except NoReverseMatch:  # the order pages are switched off (the orders module)
        return ""


def _detail(
    request: HttpRequest, quote: Quote, *, reject_form: RejectForm | None = None, status: int = 200
) -> HttpResponse:
    shown = getattr(quote, "shown_status", quote.status)
    lines = list(quote.lines.all())
    context = {
        "quote": quote,
        "shown_status": shown,
        "shown_status_label": Q(shown).label,
        "lines": lines,
        "vat_rows": selectors.vat_summary(
            (ln.vat_rate, ln.total_net, ln.total_vat) for ln in lines
        ),
        "events": _events(quote),
        "pdf": documents.pdf_status(),
        "order_url": _order_url(quote.order_id) if quote.order_id else "",
        "reject_form": reject_form or RejectForm(),
        # What the state allows; the template also asks the role (panel.may.quotes.write).
        "can_edit": quote.status == Q.DRAFT,
        "can_send": quote.status == Q.DRAFT,
        "can_accept": shown == Q.SENT,
        "can_reject": quote.status == Q.SENT,
        "can_convert": quote.status == Q.ACCEPTED and quote.order_id is None,
        "accepted_via_label": Source(quote.accepted_via).label if quote.accepted_via else "",
    }
    return render(request, "sales/quotes/detail.html", context, status=status)


@staff_page("quotes", module=MODULE)
def quote_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _detail(request, _get(pk))


# --- actions -----------------------------------------------------------------------------


def _back(quote: Quote) -> HttpResponseRedirect:
    return redirect("sales:quote_detail", pk=quote.pk)


def _refused(request: HttpRequest, exc: ValidationError | DomainError) -> None:
    text = str(exc.message) if isinstance(exc, DomainError) else " ".join(exc.messages)
    messages.error(request, text)


@staff_page("quotes", "write", module=MODULE)
@require_POST
def quote_send(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    quote = _get(pk)
    try:
        sent = service.quote_send(quote=quote, actor=staff_actor(request.user))
    except (ValidationError, DomainError) as exc:
        _refused(request, exc)
        return _back(quote)
    if sent.not_emailed:
        messages.warning(request, _("Quote marked as sent.") + " " + sent.not_emailed)
    elif sent.pdf_missing:
        messages.warning(
            request,
            _("Quote sent to %(email)s.") % {"email": sent.emailed_to} + " " + sent.pdf_missing,
        )
    else:
        messages.success(
            request, _("Quote sent to %(email)s with its PDF.") % {"email": sent.emailed_to}
        )
    return _back(quote)


@staff_page("quotes", "write", module=MODULE)
@require_POST
def quote_accept(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Accepted on the customer's behalf (they said yes on the phone, in the shop); the
    order is a separate step, so the acceptance can be recorded before the order."""
    quote = _get(pk)
    try:
        service.quote_accept(
            quote=quote,
            actor=staff_actor(request.user),
            source=Source.ADMIN,
            ip=client_ip(request) or None,
            user_agent=str(request.META.get("HTTP_USER_AGENT", "")),
            convert=False,
        )
    except (ValidationError, DomainError) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Quote accepted on the customer's behalf."))
    return _back(quote)


@staff_page("quotes", "write", module=MODULE)
@require_POST
def quote_reject(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    quote = _get(pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, quote, reject_form=form, status=400)
    try:
        service.quote_reject(
            quote=quote,
            actor=staff_actor(request.user),
            reason=form.cleaned_data["reason"],
            source=Source.ADMIN,
            ip=client_ip(request) or None,
            user_agent=str(request.META.get("HTTP_USER_AGENT", "")),
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail(request, quote, reject_form=form, status=400)
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Quote rejected."))
    return _back(quote)


@staff_page("quotes", "write", module=MODULE)
@require_POST
def quote_convert(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Make the accepted quote's order and open it; a second click (or another tab)
    lands on the same order."""
    quote = _get(pk)
    try:
        order = service.quote_convert(quote=quote, actor=staff_actor(request.user))
    except StateConflict as exc:
        if exc.code != "already_converted":
            _refused(request, exc)
            return _back(quote)
        messages.info(request, str(exc.message))
        order_id: Any = exc.extra["order"]
    except (ValidationError, DomainError) as exc:
        _refused(request, exc)
        return _back(quote)
    else:
        messages.success(
            request,
            _("Order %(order)s created from quote %(quote)s.")
            % {"order": order.number, "quote": quote.number},
        )
        order_id = order.pk
    return redirect(_order_url(order_id) or reverse("sales:quote_detail", args=[quote.pk]))


urlpatterns: list[URLPattern] = [
    path("quotes/", quote_list, name="quote_list"),
    path("quotes/export.csv", quote_export, name="quote_export"),
    path("quotes/<uuid:pk>/", quote_detail, name="quote_detail"),
    path("quotes/<uuid:pk>/send/", quote_send, name="quote_send"),
    path("quotes/<uuid:pk>/accept/", quote_accept, name="quote_accept"),
    path("quotes/<uuid:pk>/reject/", quote_reject, name="quote_reject"),
    path("quotes/<uuid:pk>/convert/", quote_convert, name="quote_convert"),
]
