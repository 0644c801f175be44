"""The staff's side of a customer's thread: a section of the customer's page.

One URL: GET shows the latest messages (the customer's unread ones are marked read as the
staff see them), POST sends a reply. With htmx the section alone is answered and swapped;
without JavaScript it is a page of its own and a reply redirects back to it."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError
from dockpulse.web.access import require, staff_page
from dockpulse.web.forms import add_service_errors
from dockpulse.web.listing import SortOption, listing
from tenant_apps.customers.models import Customer
from tenant_apps.customers.selectors import customer_get

from . import selectors, services
from .forms import ReplyForm

MODULE = "@portal"
PER_PAGE = 20
TEMPLATE = "messaging/thread.html"
TARGET = "customer-messages"  # the section's element id
NEWEST = [SortOption("newest", gettext_lazy("Newest first"), ("-created_at", "-id"))]


def _customer(pk: uuid.UUID) -> Customer:
    try:
        return customer_get(pk)
    except Customer.DoesNotExist:
        raise Http404 from None


def _partial(request: HttpRequest) -> str:
    """Which part htmx asked for: the section (the customer's page loading it), its
    inside (the pager and the reply form, which swap into the section), or "" for the
    whole page."""
    htmx: Any = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request:
        return ""
    return "#inside" if htmx.target == TARGET else "#thread"


@staff_page("messages", module=MODULE)
def customer_thread(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    customer = _customer(pk)
    url = reverse("messaging:customer_thread", kwargs={"pk": customer.pk})
    partial = _partial(request)
    form = ReplyForm()
    sent = False
    status = 200
    if request.method == "POST":
        require(request, "messages", "write")
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                services.message_send(
                    customer=customer,
                    body=form.cleaned_data["body"],
                    actor=staff_actor(request.user),
                )
            except (ValidationError, DomainError) as exc:
                add_service_errors(form, exc)
            else:
                if not partial:
                    flash.success(request, _("Message sent to %(name)s.") % {"name": customer.name})
                    return redirect(url)
                form, sent = ReplyForm(), True
        if form.errors:
            # htmx swaps only successful answers (its default): the section with the
            # error on its field comes back as 200 to htmx, as 400 to a plain form.
            status = 200 if partial else 400

    rows = listing(request, selectors.thread(customer.pk), sorts=NEWEST, per_page=PER_PAGE)
    shown = list(rows.rows)
    # The newest page is the thread as the staff see it: what the customer wrote is read
    # now. The rows keep their unread state in memory, so this page still marks them new.
    if rows.page.number == 1 and any(m.from_customer and not m.read_by_staff_at for m in shown):
        services.messages_mark_read(customer=customer, actor=staff_actor(request.user))
    context = {
        "customer": customer,
        "listing": rows,
        "thread": shown[::-1],  # oldest first, the newest next to the reply form
        "form": form,
        "sent": sent,
        "url": url,
        # After the pager or a reply swapped the section, focus moves into it.
        "focus": "page" in request.GET,
    }
    response = render(request, TEMPLATE + partial, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# --- the list of threads -----------------------------------------------------------------

RECENT = [SortOption("recent", gettext_lazy("Latest message first"), ("-last_at", "customer_id"))]
THREADS_PER_PAGE = 25


@staff_page("messages", module=MODULE)
def thread_list(request: HttpRequest) -> HttpResponse:
    """Every customer's thread, the latest activity first; ?status=unread: only those
    with something the staff have not read."""
    unread_only = request.GET.get("status") == "unread"
    rows = listing(
        request, selectors.threads(unread_only=unread_only), sorts=RECENT, per_page=THREADS_PER_PAGE
    )
    every, unread = selectors.thread_counts()
    context = {
        "listing": rows,
        "threads": selectors.thread_summaries(list(rows.rows)),
        "tabs": [
            {"key": "", "label": _("All"), "count": every},
            {"key": "unread", "label": _("Unread"), "count": unread},
        ],
        "current": "unread" if unread_only else "",
    }
    return render(request, "messaging/list.html", context)
