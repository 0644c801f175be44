from __future__ import annotations

from django.contrib.auth.decorators import user_passes_test
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import tenant_list


def _is_platform_admin(user: object) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


@user_passes_test(_is_platform_admin)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "platform_app/home.html", {"tenants": tenant_list()})
