"""Tenant operations as pages: create (with the first admin invited by e-mail), suspend,
resume, back up, delete, restore into a new address (docs/platform.md, "Tenant operations").

Thin views over the same services as the commands. A refusal (ValidationError or
BackupError) is said in words, on the field or as a message, never a 500. Backups and
restores run inside the request: a tenant's dump takes seconds, and the admin waits for
the answer anyway.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dockpulse.web.forms import add_service_errors
from platform_app.forms_tenant_ops import (
    TenantCreateForm,
    TenantDeleteForm,
    TenantRestoreForm,
    TenantSuspendForm,
)
from platform_app.models import Tenant
from platform_app.selectors import tenant_get
from platform_app.services import (
    BackupError,
    backup_list,
    tenant_backup,
    tenant_delete,
    tenant_restore,
    tenant_resume,
    tenant_suspend,
)
from platform_app.services.onboarding import OnboardedTenant, tenant_onboard
from platform_app.services.provisioning import tenant_slug_validate

from .base import platform_page


def _actor(request: HttpRequest) -> str:
    """As the tenant pages say it; the audit row's admin and IP come from the request's
    audit origin anyway."""
    return f"platform admin {request.user.email}"  # type: ignore[union-attr]


def _detail(slug: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("platform_tenant_detail", args=[slug]))


def _refusal(exc: ValidationError | BackupError) -> str:
    """A service's refusal as one line for a message."""
    if isinstance(exc, BackupError):
        return _("The backup tool refused: %(error)s") % {"error": exc}
    return " ".join(exc.messages)


def _tenant_or_none(slug: str) -> Tenant | None:
    try:
        return tenant_get(slug)
    except ValidationError:
        return None


def _not_found(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    messages.error(request, _("There is no tenant %(slug)s.") % {"slug": slug})
    return HttpResponseRedirect(reverse("home"))


# --- create -------------------------------------------------------------------------------


@platform_page
@require_http_methods(["GET", "POST"])
def tenant_create_page(request: HttpRequest) -> HttpResponse:
    form = TenantCreateForm(request.POST or None, base_domain=settings.BASE_DOMAIN)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            onboarded = tenant_onboard(
                slug=data["slug"],
                name=data["name"],
                template=data["template"],
                plan_code=data["plan"].code,
                admin_email=data["admin_email"],
                admin_name=data["admin_name"],
                language=data["language"],
                scheme=request.scheme or "https",
                port=int(request.get_port() or 0) or None,
                actor=_actor(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _say_onboarded(request, onboarded)
            return _detail(onboarded.tenant.slug)
    return render(
        request,
        "platform_app/tenants/new.html",
        {"form": form, "section": "tenants", "base_domain": settings.BASE_DOMAIN},
        status=400 if form.errors else 200,
    )


def _say_onboarded(request: HttpRequest, onboarded: OnboardedTenant) -> None:
    facts = {
        "slug": onboarded.tenant.slug,
        "email": onboarded.admin_email,
        "error": onboarded.error,
        "login": onboarded.login_url,
    }
    if onboarded.sent:
        messages.success(
            request,
            _(
                "Tenant %(slug)s created; an e-mail with a link to set the password "
                "went to %(email)s."
            )
            % facts,
        )
    else:
        messages.warning(
            request,
            _(
                "Tenant %(slug)s created, but the e-mail to %(email)s could not be sent "
                "(%(error)s). They can get a link with “Forgot your password?” at %(login)s."
            )
            % facts,
        )


@platform_page
@require_GET
def tenant_slug_check(request: HttpRequest) -> HttpResponse:
    """The create form's check as you type (htmx): "available" or why not, in words."""
    slug = request.GET.get("slug", "").strip().lower()
    problem = ""
    if slug:
        try:
            tenant_slug_validate(slug)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    return render(
        request,
        "platform_app/tenants/_slug_check.html",
        {"slug": slug, "problem": problem, "base_domain": settings.BASE_DOMAIN},
    )


# --- suspend, resume, back up -------------------------------------------------------------


@platform_page
@require_POST
def tenant_suspend_page(request: HttpRequest, slug: str) -> HttpResponse:
    if _tenant_or_none(slug) is None:
        return _not_found(request, slug)
    form = TenantSuspendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the tenant is suspended; nothing changed."))
        return _detail(slug)
    try:
        tenant_suspend(slug=slug, reason=form.cleaned_data["reason"], actor=_actor(request))
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(
            request,
            _("Tenant %(slug)s is suspended: its panel, portal and API answer the suspended page.")
            % {"slug": slug},
        )  # fmt: skip
    return _detail(slug)


@platform_page
@require_POST
def tenant_resume_page(request: HttpRequest, slug: str) -> HttpResponse:
    if _tenant_or_none(slug) is None:
        return _not_found(request, slug)
    try:
        tenant_resume(slug=slug, actor=_actor(request))
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, _("Tenant %(slug)s is active again.") % {"slug": slug})
    return _detail(slug)


@platform_page
@require_POST
def tenant_backup_page(request: HttpRequest, slug: str) -> HttpResponse:
    if _tenant_or_none(slug) is None:
        return _not_found(request, slug)
    try:
        backup = tenant_backup(slug=slug)
    except (ValidationError, BackupError) as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(
            request,
            _("Backup of %(slug)s made: %(name)s.") % {"slug": slug, "name": backup.location},
        )
    return _detail(slug)


# --- delete -------------------------------------------------------------------------------


@platform_page
@require_http_methods(["GET", "POST"])
def tenant_delete_page(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant_or_none(slug)
    if tenant is None:
        return _not_found(request, slug)
    deletable = (Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED, Tenant.Status.PROVISIONING)
    if tenant.status not in deletable:
        messages.error(
            request,
            _("Tenant %(slug)s is %(status)s; there is nothing to delete.")
            % {"slug": slug, "status": tenant.get_status_display()},
        )
        return _detail(slug)
    form = TenantDeleteForm(request.POST or None, slug=slug)
    if request.method == "POST" and form.is_valid():
        try:
            # As `delete_tenant` does: a backup first; a failed backup deletes nothing.
            deleted = tenant_delete(slug=slug, backup=True, actor=_actor(request))
        except BackupError as exc:
            form.add_error(
                None, _("The backup failed, nothing was deleted: %(error)s") % {"error": exc}
            )
        except ValidationError as exc:
            add_service_errors(form, exc, names={"slug": "confirm"})
        else:
            if tenant.status == Tenant.Status.PROVISIONING:
                text = _("The unfinished creation of %(slug)s was removed; the address is free.")
            else:
                text = _(
                    "Tenant %(slug)s deleted; its last backup is %(backup)s. "
                    "The address stays reserved."
                )
            messages.success(request, text % {"slug": slug, "backup": deleted.backup})
            return HttpResponseRedirect(reverse("home"))
    return render(
        request,
        "platform_app/tenants/delete.html",
        {"tenant": tenant, "form": form, "section": "tenants"},
        status=400 if form.errors else 200,
    )


# --- restore into a new address -----------------------------------------------------------


@platform_page
@require_POST
def tenant_restore_page(request: HttpRequest, slug: str) -> HttpResponse:
    if _tenant_or_none(slug) is None:
        return _not_found(request, slug)
    form = TenantRestoreForm(request.POST, backups=backup_list(slug))
    if not form.is_valid():
        problems = [
            f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        ]
        messages.error(
            request, _("Nothing was restored. %(problems)s") % {"problems": " ".join(problems)}
        )
        return _detail(slug)
    new_slug = form.cleaned_data["new_slug"]
    try:
        restored = tenant_restore(
            slug=slug, backup=form.cleaned_data["backup"], as_slug=new_slug, actor=_actor(request)
        )
    except (ValidationError, BackupError) as exc:
        messages.error(
            request, _("Nothing was restored. %(problems)s") % {"problems": _refusal(exc)}
        )
        return _detail(slug)
    messages.success(
        request,
        _("Backup of %(slug)s restored as the new tenant %(new)s.")
        % {"slug": slug, "new": restored.tenant.slug},
    )
    return _detail(restored.tenant.slug)


urlpatterns: list[URLPattern] = [
    path("tenants/new/", tenant_create_page, name="platform_tenant_create"),
    # Under new/: the tenant pages' `tenants/<slug>/` leaves only new/ aside, and a tenant
    # may well be called check-slug.
    path("tenants/new/check-slug/", tenant_slug_check, name="platform_tenant_slug_check"),
    path("tenants/<slug:slug>/suspend/", tenant_suspend_page, name="platform_tenant_suspend"),
    path("tenants/<slug:slug>/resume/", tenant_resume_page, name="platform_tenant_resume"),
    path("tenants/<slug:slug>/backup/", tenant_backup_page, name="platform_tenant_backup"),
    path("tenants/<slug:slug>/delete/", tenant_delete_page, name="platform_tenant_delete"),
    path("tenants/<slug:slug>/restore/", tenant_restore_page, name="platform_tenant_restore"),
]
