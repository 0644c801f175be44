"""`panel` in every staff page's context: the navigation, header entries and `may`.

Built lazily, so pages that never show the shell (sign-in, the platform's) run no query
for it; a page that does runs one for the enabled modules and one per badge.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from dockpulse import extensions

from .access import can, module_on


@dataclass(frozen=True)
class NavLink:
    key: str
    label: Any
    url: str
    active: bool
    badge: int | None = None
    badge_url: str | None = None


class Actions:
    """`may.<resource>.<action>` in templates: {% if panel.may.customers.write %}."""

    def __init__(self, user: Any, resource: str) -> None:
        self._user, self._resource = user, resource

    def __getitem__(self, action: str) -> bool:
        try:
            return can(self._user, self._resource, action)
        except extensions.RegistryError:
            return False


class Permissions:
    def __init__(self, user: Any) -> None:
        self._user = user

    def __getitem__(self, resource: str) -> Actions:
        return Actions(self._user, resource)


class Areas:
    """`links.<area>` in templates ({% for link in panel.links.settings %}): an area's
    entries, built once per page."""

    def __init__(self, panel: Panel) -> None:
        self._panel = panel
        self._built: dict[str, list[NavLink]] = {}

    def __getitem__(self, area: str) -> list[NavLink]:
        if area not in self._built:
            self._built[area] = self._panel._links(area)
        return self._built[area]


class Panel:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.may = Permissions(request.user)
        # Any area's entries (the settings sections): panel.links["settings"] in code.
        self.links = Areas(self)

    def _links(self, area: str) -> list[NavLink]:
        links = []
        path = self.request.path
        for entry in extensions.nav_entries():
            if entry.area != area or not module_on(self.request, entry.module):
                continue
            if entry.resource and not can(self.request.user, entry.resource, "read"):
                continue
            try:
                url = reverse(entry.url_name)
            except NoReverseMatch:
                continue  # an app whose pages are not mounted on this host
            active = path == url if url == "/" else path.startswith(url)
            badge = entry.badge(self.request) if entry.badge else None
            badge_url = reverse(entry.badge_url_name) if entry.badge_url_name else None
            links.append(NavLink(entry.key, entry.label, url, active, badge, badge_url))
        return links

    @cached_property
    def nav(self) -> list[NavLink]:
        return self._links(extensions.MAIN)

    @cached_property
    def header(self) -> list[NavLink]:
        return self._links(extensions.HEADER)

    @cached_property
    def searchable(self) -> bool:
        return any(
            module_on(self.request, p.module)
            and (not p.resource or can(self.request.user, p.resource, "read"))
            for p in extensions.search_providers()
        )


def panel(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)  # absent on pages the tenant middleware answers
    if getattr(request, "tenant", None) is None or user is None or not user.is_authenticated:
        return {}
    return {"panel": Panel(request)}
