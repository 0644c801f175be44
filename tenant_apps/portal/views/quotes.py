"""Portal pages: the customer's quotes (issue 15): the list ("waiting for you" / all), a
quote's page with its PDF, and the decision on it -- accept (which places the order, once
however often it is clicked) or reject with a reason.

Everything is read through tenant_apps.portal.selectors.quotes, filtered by
`request.customer` and without drafts: another customer's quote, or a draft, is a 404 on
every URL here. The decisions are the sales services' (`quote_accept`, `quote_reject`),
bound to the checksum of the version the customer read (a hidden field of both forms).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dockpulse.actors import customer_actor
from dockpulse.errors import DomainError
from dockpulse.security.clientip import client_ip
from dockpulse.web.forms import add_service_errors
from tenant_apps.customers.models import Customer
from tenant_apps.portal.selectors import quotes as selectors
from tenant_apps.portal.sessions import current_customer, portal_page
from tenant_apps.sales import documents
from tenant_apps.sales.documents.checksum import quote_checksum
from tenant_apps.sales.documents.context import quote_decision
from tenant_apps.sales.models import Quote, Source
from tenant_apps.sales.selectors import vat_summary
from tenant_apps.sales.services import quotes as service

PAGE_SIZE = 20
S = Quote.Status


def _get(customer: Customer, pk: uuid.UUID) -> Quote:
    try:
        return selectors.portal_quote_detail(customer_id=customer.pk, quote_id=pk)
    except Quote.DoesNotExist:
        raise Http404 from None


# --- the list ----------------------------------------------------------------------------


@portal_page()
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    customer = current_customer(request)
    tabs = selectors.portal_quote_tabs(customer_id=customer.pk)
    tab = selectors.portal_quote_tab(request.GET.get("tab"), waiting=tabs[0].count)
    statuses = (S.SENT,) if tab == selectors.WAITING else ()
    rows = selectors.portal_quote_rows(customer_id=customer.pk, statuses=statuses)
    context = {
        "customer": customer,
        "tab": tab,
        "tabs": tabs,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "portal/quotes/list.html", context)


# --- one quote ---------------------------------------------------------------------------


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you reject the quote?"),
        max_length=service.REASON_MAX_LENGTH,
        help_text=gettext_lazy("We read every answer: tell us what would make it work for you."),
        error_messages={"required": gettext_lazy("Tell us why you reject the quote.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    checksum = forms.CharField(required=False, widget=forms.HiddenInput)


def _detail(
    request: HttpRequest,
    quote: Quote,
    *,
    reject_form: RejectForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    shown = getattr(quote, "shown_status", quote.status)
    lines = list(quote.lines.all())
    # Both forms carry the checksum of the quote as shown now (a refused form too).
    checksum = quote_checksum(quote)
    context = {
        "customer": current_customer(request),
        "quote": quote,
        "shown_status": shown,
        "lines": lines,
        "vat": vat_summary((line.vat_rate, line.total_net, line.total_vat) for line in lines),
        "checksum": checksum,
        "decision": quote_decision(quote),
        "may_decide": shown == S.SENT,
        "reject_form": reject_form or RejectForm(),
        "problem": problem,
        "order_url": reverse("portal:order_detail", args=[quote.order_id])
        if quote.order_id
        else None,
        "messages_url": reverse("portal:messages"),
        "pdf": documents.pdf_status(),
    }
    return render(request, "portal/quotes/detail.html", context, status=status)


@portal_page()
@require_GET
def quote_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _detail(request, _get(current_customer(request), pk))


@portal_page()
@require_GET
def quote_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The same PDF the staff print, with the decision record once decided."""
    quote = _get(current_customer(request), pk)
    try:
        content = documents.quote_pdf(quote)
    except documents.PdfUnavailable:
        # Not a crash: this server lacks the PDF libraries. The reason is for the staff.
        return render(request, "portal/quotes/pdf_unavailable.html", {"quote": quote}, status=503)
    return documents.pdf_response(quote, content)


def _day(value: Any) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _problem(quote: Quote, error: DomainError | ValidationError) -> str:
    """Why a decision was refused, in the customer's words (the quote as it is now)."""
    shown = getattr(quote, "shown_status", quote.status)
    code = getattr(error, "code", "")
    if code == "quote_changed":
        return _(
            "The quote changed since you opened it. It is shown below as it is now: "
            "check it again before you decide."
        )
    if shown == S.EXPIRED or code == "quote_expired":
        return _(
            "This quote expired on %(date)s, so it can no longer be accepted or rejected. "
            "Write to us if you would like a new one."
        ) % {"date": _day(quote.valid_until)}
    if quote.status == S.ACCEPTED:
        return _("This quote was already accepted on %(date)s.") % {"date": _day(quote.accepted_at)}
    if quote.status == S.REJECTED:
        return _("This quote was already rejected on %(date)s.") % {"date": _day(quote.rejected_at)}
    if isinstance(error, DomainError):
        return str(error.message)
    return " ".join(error.messages)


def _record(request: HttpRequest) -> dict[str, Any]:
    """Where the decision comes from: the address, the browser, through the portal."""
    return {
        "source": Source.PORTAL,
        "ip": client_ip(request) or None,
        "user_agent": str(request.META.get("HTTP_USER_AGENT", "")),
    }


def _accepted_message(quote: Quote, *, again: bool) -> str:
    values = {"quote": quote.number, "order": quote.order.number if quote.order else ""}
    if again:
        return _("You have already accepted quote %(quote)s: its order is %(order)s.") % values
    return _("Thank you: you accepted quote %(quote)s, and we have your order %(order)s.") % values


@portal_page()
@require_POST
def quote_accept(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Accept and place the order. A second click, or another tab, lands on the accepted
    quote with the order the first one made."""
    customer = current_customer(request)
    quote = _get(customer, pk)
    try:
        accepted = service.quote_accept(
            quote=quote,
            actor=customer_actor(customer),
            convert=True,
            checksum=request.POST.get("checksum", ""),
            **_record(request),
        )
    except (DomainError, ValidationError) as exc:
        now = _get(customer, pk)
        if now.status == S.ACCEPTED and now.order_id is not None:
            messages.info(request, _accepted_message(now, again=True))
            return redirect("portal:quote_detail", pk=pk)
        status = exc.status if isinstance(exc, DomainError) else 400
        return _detail(request, now, problem=_problem(now, exc), status=status)
    messages.success(request, _accepted_message(accepted, again=False))
    return redirect("portal:quote_detail", pk=pk)


@portal_page()
@require_POST
def quote_reject(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Reject with a reason (required: the staff read it on the quote's page)."""
    customer = current_customer(request)
    quote = _get(customer, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, quote, reject_form=form, status=400)
    try:
        service.quote_reject(
            quote=quote,
            actor=customer_actor(customer),
            reason=form.cleaned_data["reason"],
            checksum=form.cleaned_data["checksum"],
            **_record(request),
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
            add_service_errors(form, exc)
            return _detail(request, quote, reject_form=form, status=400)
        now = _get(customer, pk)
        return _detail(request, now, problem=_problem(now, exc), status=400)
    except DomainError as exc:
        now = _get(customer, pk)
        if now.status == S.REJECTED and exc.code == "invalid_transition":
            messages.info(request, _problem(now, exc))
            return redirect("portal:quote_detail", pk=pk)
        return _detail(request, now, problem=_problem(now, exc), status=exc.status)
    messages.success(
        request,
        _("You rejected quote %(quote)s. Thank you for telling us why.") % {"quote": quote.number},
    )
    return redirect("portal:quote_detail", pk=pk)


urlpatterns = [
    path("quotes/", quote_list, name="quotes"),
    path("quotes/<uuid:pk>/", quote_detail, name="quote_detail"),
    path("quotes/<uuid:pk>/pdf/", quote_pdf, name="quote_pdf"),
    path("quotes/<uuid:pk>/accept/", quote_accept, name="quote_accept"),
    path("quotes/<uuid:pk>/reject/", quote_reject, name="quote_reject"),
]
