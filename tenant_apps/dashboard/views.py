from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dockpulse.modules import module_switch


@login_required
def home(request: HttpRequest) -> HttpResponse:
    modules = sorted(module_switch().enabled_codes())
    return render(request, "dashboard/home.html", {"modules": modules})
