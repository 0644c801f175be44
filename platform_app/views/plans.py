"""Plans (list, create, edit), a tenant's plan change, and the module registry.

Thin: selectors_plans reads, services.plans writes (audited), forms_plans cleans; a
refusal re-renders the form with the service's words on the field, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dockpulse.web.forms import add_service_errors
from platform_app.forms_plans import PlanForm, TenantPlanForm
from platform_app.models import Plan, Tenant
from platform_app.selectors_plans import (
    module_list,
    module_registry_rows,
    offered_plans,
    plan_get,
    plan_list,
    plan_module_codes,
)
from platform_app.services.plans import plan_create, plan_update, tenant_plan_change

from .base import platform_page

ACTOR = "platform admin"


@platform_page
@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    return render(
        request, "platform_app/plans/list.html", {"rows": plan_list(), "section": "plans"}
    )


def _form_page(request: HttpRequest, form: PlanForm, plan: Plan | None) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "plan": plan, "section": "plans"}
    return render(request, "platform_app/plans/form.html", context, status=status)


@platform_page
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST if request.method == "POST" else None, modules=module_list())
    if form.is_bound and form.is_valid():
        try:
            plan = plan_create(values=form.values(), actor=ACTOR)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Plan %(plan)s is created.") % {"plan": plan.name})
            return redirect("platform_plans")
    return _form_page(request, form, None)


@platform_page
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, code: str) -> HttpResponse:
    plan = plan_get(code)
    if plan is None:
        raise Http404
    modules = module_list()
    codes = plan_module_codes(plan)
    initial = {
        "name": plan.name, "code": plan.code, "price_monthly": plan.price_monthly,
        "price_yearly": plan.price_yearly, "currency": plan.currency,
        "max_users": plan.max_users, "max_customers": plan.max_customers,
        "modules": [m.code for m in modules] if codes is None else codes,
        "is_active": plan.is_active,
    }  # fmt: skip
    form = PlanForm(
        request.POST if request.method == "POST" else None, initial=initial, modules=modules
    )
    if form.is_bound and form.is_valid():
        try:
            plan = plan_update(plan=plan, values=form.values(), actor=ACTOR)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Plan %(plan)s is saved.") % {"plan": plan.name})
            return redirect("platform_plans")
    return _form_page(request, form, plan)


def _tenant_detail_url(slug: str) -> str:
    """The tenant's detail page (another area's); the plans list until it exists."""
    try:
        return reverse("platform_tenant_detail", args=[slug])
    except NoReverseMatch:
        return reverse("platform_plans")


@platform_page
@require_http_methods(["GET", "POST"])
def tenant_plan(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the tenant's plan and the change form (the same part the detail page shows);
    POST: change it. A refusal (over the new plan's limits) shows the numbers on the form."""
    tenant = Tenant.objects.select_related("plan").filter(slug=slug).first()
    if tenant is None or tenant.status == Tenant.Status.DELETED:
        raise Http404
    choices = [(plan.code, plan.name) for plan in offered_plans()]
    form = TenantPlanForm(request.POST if request.method == "POST" else None, choices=choices)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                tenant = tenant_plan_change(
                    slug=tenant.slug, plan_code=form.cleaned_data["plan"], actor=ACTOR
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(tenant)s is on %(plan)s from today.")
                    % {"tenant": tenant.name, "plan": tenant.plan.name if tenant.plan else ""},
                )
                return HttpResponseRedirect(_tenant_detail_url(tenant.slug))
        status = 400
    context = {
        "tenant": tenant,
        "usage": getattr(tenant, "usage", None) if _has_usage(tenant) else None,
        "plan_form": form,
        "detail_url": _tenant_detail_url(tenant.slug),
        "section": "tenants",
    }
    return render(request, "platform_app/plans/tenant_plan.html", context, status=status)


def _has_usage(tenant: Tenant) -> bool:
    try:
        tenant.usage  # noqa: B018 (a reverse one-to-one raises when there is no row)
    except Tenant.usage.RelatedObjectDoesNotExist:
        return False
    return True


@platform_page
@require_GET
def modules(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "platform_app/modules.html",
        {"rows": module_registry_rows(), "section": "modules"},
    )


urlpatterns: list[URLPattern] = [
    path("plans/", plans, name="platform_plans"),
    path("plans/new/", plan_new, name="platform_plan_create"),
    path("plans/<slug:code>/edit/", plan_edit, name="platform_plan_edit"),
    path("tenants/<slug:slug>/plan/", tenant_plan, name="platform_tenant_plan_change"),
    path("modules/", modules, name="platform_modules"),
]
