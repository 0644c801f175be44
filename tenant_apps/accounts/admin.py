from __future__ import annotations

from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from dockpulse.admin_sites import platform_admin_site, tenant_admin_site

from .models import User, normalize_email


class _NormalisedEmail:
    def clean_email(self) -> str:
        # Logins look e-mails up lower-cased; a mixed-case one could never log in.
        return normalize_email(self.cleaned_data["email"])  # type: ignore[attr-defined]


class UserCreateForm(_NormalisedEmail, UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "role")


class UserEditForm(_NormalisedEmail, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
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
            {"classes": ("wide",), "fields": ("email", "name", "role", "password1", "password2")},
        ),
    )
    filter_horizontal = ("groups",)


# The same model on both sites: each site's rows come from its host's database.
tenant_admin_site.register(User, UserAdmin)
platform_admin_site.register(User, UserAdmin)
