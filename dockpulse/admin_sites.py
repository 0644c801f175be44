"""Two Django admin sites: the platform's (app host) and each tenant's (tenant host).

A tenant's /admin/ registers only tenant models and that tenant's users, so it can
never show a platform table.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from dockpulse.actors import Actor, staff_actor
from dockpulse.security import lockout


class _LockoutLoginSite(AdminSite):
    """The admin login answers 429 with Retry-After when the lockout refused it; its form
    (set where the user model's admin is registered) says why."""

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response: HttpResponse = super().login(request, extra_context)
        return lockout.apply_to_response(request, response)


class PlatformAdminSite(_LockoutLoginSite):
    """Only for admins whose session passed the second factor (as django-otp's
    OTPAdminSite): the platform host's access middleware installs `is_verified()`; without
    it nobody is let in (fail closed). The same middleware sends an admin without the
    second factor to the code page before any admin view runs."""

    site_header = _("DockPulse platform")
    site_title = _("DockPulse platform")
    index_title = _("Platform administration")

    def has_permission(self, request: HttpRequest) -> bool:
        is_verified = getattr(request.user, "is_verified", None)
        return bool(super().has_permission(request) and callable(is_verified) and is_verified())


class TenantAdminSite(_LockoutLoginSite):
    site_header = _("DockPulse")
    site_title = _("DockPulse")
    index_title = _("Administration")


platform_admin_site = PlatformAdminSite(name="platform_admin")
tenant_admin_site = TenantAdminSite(name="tenant_admin")


class ReadOnlyAdminMixin:
    """For append-only logs: an audit trail nobody can rewrite from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAdminMixin:
    """Admin writes through the app's services, like the API's: same rules, same events.

    The admin names the three service calls. Each gets what `service_data` made of the
    form's cleaned data (by default the cleaned data itself, as a dict) and the signed-in
    staff user as an `Actor`; a call builds its service's typed input from the data (a
    create's frozen input, an update's changes).
    """

    def service_data(self, cleaned: dict[str, Any]) -> Any:
        return dict(cleaned)

    def service_create(self, data: Any, actor: Actor) -> Any:
        raise NotImplementedError

    def service_update(self, obj: Any, data: Any, actor: Actor) -> Any:
        raise NotImplementedError

    def service_delete(self, obj: Any, actor: Actor) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = self.service_data(form.cleaned_data)
        actor = staff_actor(request.user)
        if change:
            fresh = type(obj).objects.get(pk=obj.pk)
            saved = self.service_update(fresh, data, actor)
        else:
            saved = self.service_create(data, actor)
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(obj, staff_actor(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        actor = staff_actor(request.user)
        for obj in queryset:
            self.service_delete(obj, actor)


class ServiceValidatedForm(forms.ModelForm):
    """An admin form that checks the service's rules while it can still show the errors.

    Subclasses name `service_check(cleaned, instance)`, raising Django's ValidationError.
    """

    def service_check(self, cleaned: dict[str, Any], instance: Any) -> None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            self.service_check(cleaned, self.instance if self.instance.pk else None)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned
