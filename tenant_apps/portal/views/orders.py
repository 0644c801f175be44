"""Portal pages: the customer's orders (issue 15): the list with status tabs, an order's
page (lines, totals, VAT, history, delivery, tracking), cancelling a new order, and the
order's PDF, the same document the staff print.

Everything is read through tenant_apps.portal.selectors.orders, filtered by
`request.customer`: another customer's order id is a 404 on every URL here.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dockpulse.actors import customer_actor
from dockpulse.errors import StateConflict
from tenant_apps.customers.models import Customer
from tenant_apps.portal.selectors import orders as selectors
from tenant_apps.portal.services.orders import portal_order_cancel
from tenant_apps.portal.sessions import current_customer, portal_page
from tenant_apps.sales import documents
from tenant_apps.sales.models import Order, OrderStatusChange
from tenant_apps.sales.selectors import vat_summary
from tenant_apps.sales.services.orders import order_moves

PAGE_SIZE = 25
S = Order.Status


# --- the list ----------------------------------------------------------------------------


@portal_page()
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    customer = current_customer(request)
    status = selectors.portal_status_filter(request.GET.get("status"))
    rows = selectors.portal_order_rows(customer_id=customer.pk, status=status)
    listing = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "customer": customer,
        "status": status,
        "tabs": selectors.portal_order_tabs(customer_id=customer.pk),
        "page": listing,
        "new_order_url": reverse("portal:order_new"),
    }
    return render(request, "portal/orders/list.html", context)


# --- one order ---------------------------------------------------------------------------


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_status = forms.CharField(required=False, widget=forms.HiddenInput)


def _get(customer: Customer, pk: uuid.UUID) -> Order:
    try:
        return selectors.portal_order_detail(customer_id=customer.pk, order_id=pk)
    except Order.DoesNotExist:
        raise Http404 from None


def _who(change: OrderStatusChange, customer: Customer) -> str:
    """Who made a move, as the customer should read it: themselves or "us" (the staff
    and the system are one party to the customer; staff names stay inside)."""
    if change.actor_type == "customer" and change.actor_id == customer.pk:
        return _("You")
    return _("Us")


def _history(order: Order, customer: Customer) -> list[dict[str, Any]]:
    """The status history, oldest first. A note is shown only when the customer wrote it
    (their own cancellation reason): the staff's notes are internal."""
    labels = dict(S.choices)
    rows = []
    for change in order.history.all():
        mine = change.actor_type == "customer" and change.actor_id == customer.pk
        rows.append(
            {
                "at": change.created_at,
                "from_status": change.from_status,
                "to_status": change.to_status,
                "from": labels.get(change.from_status, change.from_status),
                "to": labels.get(change.to_status, change.to_status),
                "who": _who(change, customer),
                "note": change.note if mine else "",
            }
        )
    return rows


def _detail(
    request: HttpRequest,
    order: Order,
    *,
    form: CancelForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    customer = current_customer(request)
    lines = list(order.lines.all())
    may_cancel = S.CANCELLED in order_moves(order=order, actor=customer_actor(customer))
    context = {
        "customer": customer,
        "order": order,
        "lines": lines,
        "vat": vat_summary((line.vat_rate, line.total_net, line.total_vat) for line in lines),
        "history": _history(order, customer),
        "may_cancel": may_cancel,
        "cancel_form": form or CancelForm(initial={"expected_status": order.status}),
        "problem": problem,
        "reorder_url": reverse("portal:order_reorder", args=[order.pk]),
        "messages_url": reverse("portal:messages"),
        "address": order.delivery_address or {},
        "pdf_available": documents.pdf_status().available,
    }
    return render(request, "portal/orders/detail.html", context, status=status)


@portal_page()
@require_GET
def order_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _detail(request, _get(current_customer(request), pk))


@portal_page()
@require_POST
def order_cancel(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Cancel a new order; a refusal (it moved on meanwhile) is said on the order's page."""
    customer = current_customer(request)
    order = _get(customer, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail(request, order, form=form, status=400)
    try:
        portal_order_cancel(
            customer=customer,
            order=order,
            reason=form.cleaned_data["reason"],
            expected_status=form.cleaned_data["expected_status"],
        )
    except StateConflict as exc:
        if exc.code == "already_cancelled":
            # A second click, or a second tab: what the customer wanted is done.
            messages.info(request, exc.message)
            return redirect("portal:order_detail", pk=order.pk)
        return _detail(request, _get(customer, pk), problem=exc.message, status=409)
    messages.success(request, _("Order %(number)s is cancelled.") % {"number": order.number})
    return redirect("portal:order_detail", pk=order.pk)


@portal_page()
@require_GET
def order_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    customer = current_customer(request)
    try:
        order = selectors.portal_order_get(customer_id=customer.pk, order_id=pk)
    except Order.DoesNotExist:
        raise Http404 from None
    try:
        content = documents.order_pdf(order)
    except documents.PdfUnavailable:
        # Not a crash: this server lacks the PDF libraries. The reason is for the staff.
        return render(request, "portal/orders/pdf_unavailable.html", {"order": order}, status=503)
    return documents.pdf_response(order, content)


urlpatterns = [
    path("orders/", order_list, name="orders"),
    path("orders/<uuid:pk>/", order_detail, name="order_detail"),
    path("orders/<uuid:pk>/cancel/", order_cancel, name="order_cancel"),
    path("orders/<uuid:pk>/pdf/", order_pdf, name="order_pdf"),
]
