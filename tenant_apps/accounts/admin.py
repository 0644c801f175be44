from __future__ import annotations

from typing import Any

from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dockpulse.admin_sites import platform_admin_site, tenant_admin_site

from . import inputs
from .forms import AdminLoginForm, AdminPasswordChangeForm
from .models import User
from .services import user_revoke_tokens


class _NormalisedEmail:
    def clean_email(self) -> str:
        return inputs.clean_email(self.cleaned_data["email"])  # type: ignore[attr-defined]


class _NormalisedPhone:
    def clean_phone(self) -> str:
        # Stored in E.164 as the API stores it: the SMS channel sends to the value as is.
        return inputs.clean_phone(str(self.cleaned_data.get("phone") or ""))  # type: ignore[attr-defined]


class UserCreateForm(_NormalisedEmail, _NormalisedPhone, UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "phone", "role")


class UserEditForm(_NormalisedEmail, _NormalisedPhone, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    # Through user_set_password: the user's refresh tokens are revoked with the old password.
    change_password_form = AdminPasswordChangeForm
    list_display = ["email", "name", "role", "is_active", "is_staff", "created_at"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "name", "phone"]
    ordering = ["email"]
    readonly_fields = ["last_login", "created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("name", "phone", "role", "settings")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "phone", "role", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ("groups",)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # As the API's deactivation: reactivating later must not revive old logins.
            user_revoke_tokens(user=obj)


# The same model on both sites: each site's rows come from its host's database.
tenant_admin_site.register(User, UserAdmin)
platform_admin_site.register(User, UserAdmin)
# Says "locked, try again in N minutes" when the lockout refused the attempt.
tenant_admin_site.login_form = AdminLoginForm
platform_admin_site.login_form = AdminLoginForm
