"""Portal pages: the home page (issue 15): who is signed in, their open orders, the quotes
waiting for their decision, unread messages, and the quick actions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from tenant_apps.portal.selectors.home import portal_home
from tenant_apps.portal.sessions import current_customer, portal_page


@portal_page()
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    customer = current_customer(request)
    summary = portal_home(customer_id=customer.pk)
    quotes = [
        {"quote": quote, "url": reverse("portal:quote_detail", args=[quote.pk])}
        for quote in summary.waiting_quotes
    ]
    context = {
        "customer": customer,
        "summary": summary,
        "quotes": quotes,
        "orders_url": reverse("portal:orders"),
        "quotes_url": reverse("portal:quotes"),
        "messages_url": reverse("portal:messages"),
        "new_order_url": reverse("portal:order_new"),
        "profile_url": reverse("portal:profile"),
    }
    return render(request, "portal/home.html", context)


urlpatterns = [path("", home, name="home")]
