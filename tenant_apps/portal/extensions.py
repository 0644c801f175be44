"""What the portal app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from dockpulse import extensions

from .api import auth, messages, ordering, orders, profile, quotes

extensions.event_types(
    # A customer chose a new portal password (`how`: "change" or "reset" by SMS code).
    "portal.password_changed",
    app="portal",
)

# The portal's own API: portal tokens only (staff tokens are refused, and portal tokens
# are refused everywhere else).
for module in (auth, orders, ordering, quotes, messages, profile):
    for pattern in module.urlpatterns:
        extensions.api_path(pattern)
