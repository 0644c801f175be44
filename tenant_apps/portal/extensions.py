"""What the portal app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from django.urls import path

from dockpulse import extensions

from . import api

extensions.event_types(
    # A customer chose a new portal password (`how`: "change" or "reset" by SMS code).
    "portal.password_changed",
    app="portal",
)

# The portal's own API: portal tokens only (staff tokens are refused, and portal tokens
# are refused everywhere else).
extensions.api_path(
    path("portal/auth/token/", api.PortalTokenObtainView.as_view(), name="portal_token_obtain")
)
extensions.api_path(
    path(
        "portal/auth/token/refresh/",
        api.PortalTokenRefreshView.as_view(),
        name="portal_token_refresh",
    )
)
extensions.api_path(
    path(
        "portal/auth/password/change/",
        api.PortalPasswordChangeView.as_view(),
        name="portal_password_change_api",
    )
)
extensions.api_path(path("portal/me/", api.PortalMeView.as_view(), name="portal_me"))
