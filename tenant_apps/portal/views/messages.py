"""Portal pages: the customer's one thread with the staff (issue 15).

The customer's side of `tenant_apps.messaging`, on its services and selectors with the
customer as the actor: the latest 20 messages oldest first, the newest next to the write
form, "Older messages" / "Newer messages" through the rest. Opening the newest page marks
the staff's messages read (the rows just shown still say "New"). Sending is a plain form:
it redirects back to the thread with a message (no JavaScript needed); an empty or too
long text comes back on the field (400).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dockpulse.actors import customer_actor
from dockpulse.errors import DomainError
from dockpulse.web.forms import add_service_errors
from dockpulse.web.listing import SortOption, listing
from tenant_apps.messaging import selectors, services
from tenant_apps.messaging.forms import ReplyForm
from tenant_apps.portal.sessions import current_customer, portal_page

PER_PAGE = 20
TEMPLATE = "portal/messages/thread.html"
NEWEST = [SortOption("newest", gettext_lazy("Newest first"), ("-created_at", "-id"))]


class MessageForm(ReplyForm):
    """The staff's reply form, in the customer's words (the service judges the text)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("Your message")
        self.fields["body"].widget.attrs["rows"] = 4


@portal_page()
def thread(request: HttpRequest) -> HttpResponse:
    customer = current_customer(request)
    actor = customer_actor(customer)
    form = MessageForm()
    status = 200
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                message = services.message_send(
                    customer=customer, body=form.cleaned_data["body"], actor=actor
                )
            except (ValidationError, DomainError) as exc:
                add_service_errors(form, exc)
            else:
                flash.success(request, _("Message sent. We answer here, in this thread."))
                # To the message just sent: it sits above the form, at the page's end.
                return HttpResponseRedirect(f"{reverse('portal:messages')}#m-{message.pk}")
        status = 400

    rows = listing(request, selectors.thread(customer.pk), sorts=NEWEST, per_page=PER_PAGE)
    shown = list(rows.rows)
    # The newest page is the thread as the customer sees it: the staff's answers are read
    # now. The rows keep their unread state in memory, so this page still marks them new.
    if rows.page.number == 1 and any(
        not m.from_customer and m.read_by_customer_at is None for m in shown
    ):
        services.messages_mark_read(customer=customer, actor=actor)
    context = {
        "customer": customer,
        "listing": rows,
        "thread": shown[::-1],  # oldest first, the newest next to the form
        "form": form,
        "url": reverse("portal:messages"),
    }
    return render(request, TEMPLATE, context, status=status)


urlpatterns = [path("messages/", thread, name="messages")]
