"""What the configuration app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dockpulse import extensions
from dockpulse.extensions import ADMINS

from .api import FieldConfigViewSet, ModuleViewSet

# Modules, field rules and workflow triggers: the account's own settings.
extensions.resource("settings", read=ADMINS, write=ADMINS)

extensions.api_route("settings/modules", ModuleViewSet, basename="module")
extensions.api_route("settings/fields", FieldConfigViewSet, basename="field-config")

# The side menu's entry, and this app's sections of /settings/ (other apps add theirs
# with area="settings"; the index and every settings page list them).
extensions.nav_entry(
    "settings", label=_("Settings"), url_name="settings:index", order=90, resource="settings"
)
extensions.nav_entry(
    "settings.company",
    label=_("Company profile"),
    url_name="settings:company",
    order=10,
    resource="settings",
    area="settings",
)
extensions.nav_entry(
    "settings.modules",
    label=_("Modules"),
    url_name="settings:modules",
    order=30,
    resource="settings",
    area="settings",
)
extensions.nav_entry(
    "settings.fields",
    label=_("Fields"),
    url_name="settings:fields",
    order=40,
    resource="settings",
    area="settings",
)
