"""The settings pages of the configuration app: the index of every app's settings sections,
modules on and off, field rules, and the company profile (with its logo).

Thin, as the API views are: selectors read, services write, inputs.py cleans; the matrix's
`settings` resource decides who may (admins today), the same as for the settings API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError
from dockpulse.web.access import require, staff_page
from dockpulse.web.forms import add_service_errors

from . import inputs, labels, selectors, services
from .forms import CompanyForm, FieldRulesForm
from .models import TenantModule


@staff_page("settings")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every settings section the apps registered (area "settings"), as the role may see."""
    return render(request, "settings/index.html")


# --- modules -------------------------------------------------------------------------------


@staff_page("settings")
@require_GET
def modules(request: HttpRequest) -> HttpResponse:
    return render(request, "settings/modules.html", {"rows": selectors.module_rows()})


@staff_page("settings", "write")
@require_POST
def module_toggle(request: HttpRequest, code: str) -> HttpResponse:
    module = get_object_or_404(TenantModule, module_code=code)
    enabled = request.POST.get("enabled") == "1"
    try:
        services.module_set_enabled(module=module, enabled=enabled, actor=staff_actor(request.user))
    except ValidationError as exc:
        # Outside the tenant's plan: the page says so in words, nothing changes.
        for problem in exc.messages:
            messages.error(request, problem)
        return redirect("settings:modules")
    name = labels.module_label(module.module_code).name
    if enabled:
        messages.success(request, _("%(module)s is on.") % {"module": name})
    else:
        messages.success(request, _("%(module)s is off.") % {"module": name})
    return redirect("settings:modules")


# --- field rules ---------------------------------------------------------------------------


def _fields_page(
    request: HttpRequest, forms: list[FieldRulesForm], status: int = 200
) -> HttpResponse:
    return render(request, "settings/fields.html", {"forms": forms}, status=status)


@staff_page("settings")
@require_GET
def fields(request: HttpRequest) -> HttpResponse:
    return _fields_page(request, [FieldRulesForm(entity=e) for e in selectors.field_rows()])


@staff_page("settings", "write")
@require_POST
def fields_save(request: HttpRequest, entity: str) -> HttpResponse:
    entities = selectors.field_rows()
    if entity not in {e.entity for e in entities}:
        raise Http404
    forms = [
        FieldRulesForm(request.POST, entity=e) if e.entity == entity else FieldRulesForm(entity=e)
        for e in entities
    ]
    form = next(f for f in forms if f.entity.entity == entity)
    if form.is_valid():
        try:
            services.field_configs_set(
                entity=entity, rules=form.rules, actor=staff_actor(request.user)
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The fields of %(entity)s are saved.") % {"entity": form.entity.label}
            )
            return redirect("settings:fields")
    return _fields_page(request, forms, status=400)


# --- the company profile -------------------------------------------------------------------


@staff_page("settings")
def company(request: HttpRequest) -> HttpResponse:
    profile = selectors.company_profile()
    tenant = request.tenant  # type: ignore[attr-defined]
    options: dict[str, Any] = {"has_logo": bool(profile.logo), "current_zone": tenant.time_zone}
    if request.method == "POST":
        require(request, "settings", "write")
        form = CompanyForm(request.POST, request.FILES, **options)
        if form.is_valid():
            try:
                services.company_profile_update(
                    changes=inputs.company_changes(form.given()), actor=staff_actor(request.user)
                )
            except (ValidationError, DomainError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The company profile is saved."))
                return redirect("settings:company")
        status = 400
    else:
        form = CompanyForm(
            initial={
                "name": tenant.name, "language": tenant.language, "time_zone": tenant.time_zone,
                "nip": profile.nip, "street": profile.street, "postal_code": profile.postal_code,
                "city": profile.city, "country": profile.country, "email": profile.email,
                "phone": profile.phone,
            },
            **options,
        )  # fmt: skip
        status = 200
    context = {"form": form, "profile": profile}
    return render(request, "settings/company.html", context, status=status)


@staff_page("settings")
@require_GET
def company_logo(request: HttpRequest) -> FileResponse:
    """The logo from the tenant's own storage (media is not served publicly)."""
    profile = selectors.company_profile()
    extension = profile.logo.rpartition(".")[2]
    if not profile.logo or extension not in inputs.LOGO_CONTENT_TYPES:
        raise Http404
    try:
        handle = default_storage.open(profile.logo, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=inputs.LOGO_CONTENT_TYPES[extension])
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response
