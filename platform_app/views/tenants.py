"""(being built)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from platform_app.selectors import tenant_list

from .base import platform_page


@platform_page
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "platform_app/home.html", {"tenants": tenant_list(), "section": "tenants"}
    )


urlpatterns: list[URLPattern] = [path("", home, name="home")]
