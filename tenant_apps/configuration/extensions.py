"""What the configuration app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from dockpulse import extensions
from dockpulse.extensions import ADMINS

from .api import FieldConfigViewSet, ModuleViewSet

# Modules, field rules and workflow triggers: the account's own settings.
extensions.resource("settings", read=ADMINS, write=ADMINS)

extensions.api_route("settings/modules", ModuleViewSet, basename="module")
extensions.api_route("settings/fields", FieldConfigViewSet, basename="field-config")
