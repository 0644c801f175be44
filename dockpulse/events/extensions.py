"""What the events app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from dockpulse import extensions
from dockpulse.extensions import ADMINS, MANAGERS

from .api import EventViewSet

extensions.resource("events", read=MANAGERS, write=ADMINS)
extensions.event_types("entity.created", "entity.updated", "entity.deleted", app="events")
extensions.api_route("events", EventViewSet, basename="event")
