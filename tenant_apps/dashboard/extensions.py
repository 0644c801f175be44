"""What the dashboard app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dockpulse import extensions

# Every staff role's landing page, whatever modules are on.
extensions.nav_entry("home", label=_("Dashboard"), url_name="home", order=0)
