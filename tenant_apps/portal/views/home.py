"""Portal pages: the home page (issue 15): who is signed in, their open orders, the quotes
waiting for their decision, unread messages, and the quick actions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from tenant_apps.portal.selectors.home import portal_home
from tenant_apps.portal.sessions import portal_page

from .orders import current_customer, optional_url


@portal_page()
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    customer = current_customer(request)
    summary = portal_home(customer_id=customer.pk)
    quotes = [
        {"quote": quote, "url": optional_url("portal:quote_detail", quote.pk)}
        for quote in summary.waiting_quotes
    ]
    context = {
        "customer": customer,
        "summary": summary,
        "quotes": quotes,
        "orders_url": optional_url("portal:orders"),
        "quotes_url": optional_url("portal:quotes"),
        "messages_url": optional_url("portal:messages"),
        "new_order_url": optional_url("portal:order_new"),
        "profile_url": optional_url("portal:profile"),
    }
    return render(request, "portal/home.html", context)


urlpatterns = [path("", home, name="home")]
