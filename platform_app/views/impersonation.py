"""Opening a tenant's panel as its admin (docs/platform.md, "Impersonation").

The form posts here and is redirected (same origin) to an "opening" page that sends the
browser on to the tenant's host with a meta refresh and a link. Not a redirect straight
to the tenant: the CSP's `form-action 'self'` also covers a form's redirects, and the
tenant's host is another origin. The one-time URL waits in the platform session between
the two requests, and is taken out on the way (a reload says to start again).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from platform_app.middleware import request_origin
from platform_app.models import Tenant
from platform_app.selectors import tenant_get
from platform_app.services.impersonation import impersonation_start

from .base import platform_page

OPEN_KEY = "_impersonation_open"


class ImpersonationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        strip=True,
        help_text=_("Written to the audit log, e.g. the support ticket."),
    )


def _tenant_or_404(slug: str) -> Tenant:
    try:
        return tenant_get(slug)
    except ValidationError as exc:
        raise Http404(slug) from exc


@platform_page
def tenant_impersonate(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the form on its own page; POST: a grant, and on to the opening page."""
    tenant = _tenant_or_404(slug)
    form = ImpersonationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            started = impersonation_start(
                slug=tenant.slug,
                reason=form.cleaned_data["reason"],
                origin=request_origin(request),
                scheme=request.scheme or "https",
                port=request.get_port(),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            request.session[OPEN_KEY] = {"slug": tenant.slug, "url": started.url}
            return redirect("platform_tenant_impersonate_open", slug=tenant.slug)
    return render(
        request,
        "platform_app/tenants/impersonate.html",
        {
            "tenant": tenant,
            "impersonate_form": form,
            "section": "tenants",
        },
        status=400 if form.errors else 200,
    )


@platform_page
@never_cache
def tenant_impersonate_open(request: HttpRequest, slug: str) -> HttpResponse:
    """Sends the browser on to the one-time URL, once."""
    tenant = _tenant_or_404(slug)
    waiting = request.session.pop(OPEN_KEY, None)
    if not waiting or waiting.get("slug") != tenant.slug:
        messages.info(request, gettext("That link was used already: open the panel again."))
        return redirect("platform_tenant_impersonate", slug=tenant.slug)
    return render(
        request,
        "platform_app/tenants/impersonate_open.html",
        {"tenant": tenant, "url": waiting["url"], "section": "tenants"},
    )


urlpatterns: list[URLPattern] = [
    path(
        "tenants/<slug:slug>/impersonate/", tenant_impersonate, name="platform_tenant_impersonate"
    ),
    path(
        "tenants/<slug:slug>/impersonate/open/",
        tenant_impersonate_open,
        name="platform_tenant_impersonate_open",
    ),
]
