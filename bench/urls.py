"""Tenant URLs for the routing benchmark: the product's tenant URLs plus two bench views.

`/bench/one-select/` runs one ORM query on a tenant model, so the whole path is measured:
host -> tenant (Redis stamp), context, router, the thread's bounded connection set, one
SELECT on the tenant's database. `/bench/state/` reports what a worker holds (pid, open
tenant connections, aliases in connections.settings), to check the warm-up and the bound.
"""

from __future__ import annotations

import os

from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from dockpulse.tenancy import connections as tenant_connections
from tenant_apps.configuration.models import TenantModule


def one_select(request: HttpRequest) -> HttpResponse:
    count = TenantModule.objects.count()
    return HttpResponse(f"{count}\n", content_type="text/plain")


def state(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "pid": os.getpid(),
            "open_tenant_connections": len(tenant_connections.open_tenant_connections()),
            "thread_aliases": len(tenant_connections.thread_aliases()),
            "aliases_in_settings": len(connections.settings),
        }
    )


urlpatterns = [
    path("bench/one-select/", one_select),
    path("bench/state/", state),
    path("", include("dockpulse.urls_tenant")),
]
