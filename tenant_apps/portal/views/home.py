"""Portal pages: the home page (issue 15)."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from tenant_apps.customers.models import Customer
from tenant_apps.portal.sessions import portal_page


@portal_page()
def home(request: HttpRequest) -> HttpResponse:
    customer = cast(Customer, getattr(request, "customer"))  # noqa: B009
    return render(request, "portal/home.html", {"customer": customer})


urlpatterns = [path("", home, name="home")]
