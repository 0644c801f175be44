"""What the dashboard app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dockpulse import extensions
from dockpulse.extensions import EVERYONE

# The start page and the search page: every staff role. What each section shows follows
# the matrix rows of what it shows (orders, quotes, stock; the activity: events).
extensions.resource("dashboard", read=EVERYONE, write=frozenset())

# Every staff role's landing page, whatever modules are on.
extensions.nav_entry("home", label=_("Dashboard"), url_name="home", order=0)
