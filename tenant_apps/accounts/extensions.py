"""What the accounts app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from dockpulse import extensions
from dockpulse.api import views as token_views
from dockpulse.extensions import ADMINS

from .api import PasswordChangeView, PasswordResetView, UserViewSet

extensions.resource("users", read=ADMINS, write=ADMINS)

# A platform admin signed in as one of this tenant's users, and that session's end
# (tenant_apps/accounts/impersonation.py): the tenant's own history shows who came in.
extensions.event_types(
    "staff.impersonated",
    "staff.impersonation_ended",
    app="accounts",
    labels={
        "staff.impersonated": _("Platform admin signed in as a user"),
        "staff.impersonation_ended": _("Platform admin's session ended"),
    },
)

extensions.api_route("users", UserViewSet, basename="user")

# Signing in and out: the core's JWT views for this app's user model, and this app's
# own password endpoints beside them.
extensions.api_path(path("auth/token/", token_views.TokenObtainView.as_view(), name="token_obtain"))
extensions.api_path(
    path("auth/token/refresh/", token_views.TokenRefreshView.as_view(), name="token_refresh")
)
extensions.api_path(path("auth/logout/", token_views.LogoutView.as_view(), name="logout_api"))
extensions.api_path(
    path("auth/password/change/", PasswordChangeView.as_view(), name="password_change_api")
)
extensions.api_path(
    path("auth/password/reset/", PasswordResetView.as_view(), name="password_reset_api")
)

# The users and roles section of /settings/ (tenant_apps/accounts/user_views.py).
extensions.nav_entry(
    "settings.users",
    label=_("Users and roles"),
    url_name="users:list",
    order=20,
    resource="users",
    area="settings",
)
