"""The tenants list (the platform's home page) and a tenant's page.

Both read gathered figures (`tenant_usage`, platform_app.services.usage), never the
tenants' own databases: the list is a constant number of queries however many tenants
there are. "Refresh figures" gathers one tenant at once, or queues the task for all.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path, register_converter, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from platform_app.forms_tenants import TenantFilterForm
from platform_app.models import Tenant
from platform_app.selectors_tenants import (
    plan_options,
    tenant_detail,
    tenant_page,
    tenant_recent_audit,
    usage_of,
)
from platform_app.services.consistency import is_stale_provisioning
from platform_app.services.usage import usage_refresh, usage_refresh_all
from platform_app.tasks.usage import usage_gather_all_task

from .base import platform_page


def _actor(request: HttpRequest) -> str:
    return f"platform admin {request.user.email}"  # type: ignore[union-attr]


@platform_page
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        usage_refresh_all(actor=_actor(request), enqueue=usage_gather_all_task.delay)
        messages.success(
            request,
            _("The figures of every tenant are being gathered; reload in a minute to see them."),
        )
        # Back to the same filters: re-encoded, so nothing but a query string follows "?".
        query = QueryDict(request.POST.get("query", "")).urlencode()
        return HttpResponseRedirect(reverse("home") + (f"?{query}" if query else ""))
    form = TenantFilterForm(request.GET or None, plans=plan_options())
    filters = form.filters()
    page = Paginator(tenant_page(filters), settings.PLATFORM_TENANTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "platform_app/tenants/list.html",
        {"form": form, "page": page, "filtered": bool(filters), "section": "tenants"},
    )


def _tenant_or_404(slug: str) -> Tenant:
    tenant = tenant_detail(slug)
    if tenant is None:
        raise Http404(_("There is no tenant %(slug)s.") % {"slug": slug})
    return tenant


@platform_page
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant_or_404(slug)
    return render(
        request,
        "platform_app/tenants/detail.html",
        {
            "tenant": tenant,
            "usage": usage_of(tenant),
            "audit_entries": tenant_recent_audit(tenant),
            # A creation left by a killed process can be removed (services/consistency.py).
            "stale_provisioning": is_stale_provisioning(tenant),
            "section": "tenants",
        },
    )


@platform_page
@require_POST
def refresh(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant_or_404(slug)
    usage = usage_refresh(tenant=tenant, actor=_actor(request))
    if usage.error:
        messages.error(
            request,
            _("The figures could not be gathered: %(error)s") % {"error": usage.error},
        )
    else:
        messages.success(request, _("The figures are up to date."))
    return HttpResponseRedirect(reverse("platform_tenant_detail", args=[tenant.slug]))


class TenantSlugConverter:
    """A tenant's address in a URL, except the words of tenant_ops' own pages under
    `tenants/` (its patterns come after these in dockpulse/urls_platform.py): refusing
    them here lets the resolver go on to `tenants/new/` and `tenants/check-slug/`."""

    regex = "[a-z][a-z0-9-]*"
    taken = frozenset({"new", "check-slug"})

    def to_python(self, value: str) -> str:
        if value in self.taken:
            raise ValueError(value)
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TenantSlugConverter, "tenant_slug")

urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("tenants/<tenant_slug:slug>/", detail, name="platform_tenant_detail"),
    path("tenants/<tenant_slug:slug>/refresh/", refresh, name="platform_tenant_refresh"),
]
