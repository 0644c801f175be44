"""What domain apps add to the core, declared by the apps themselves.

The core never names a domain app (docs/architecture.md, "Layers"). Each app declares in
its own `extensions.py`, imported from its AppConfig.ready(), the rows it adds to:

- the permission matrix (`resource`): who may read, write, or take a named action;
- the event types it sends (`event_types`);
- its API routes (`api_route`, `api_path`), mounted under /api/v1/ by the core's URLConf;
- its staff-panel navigation entries (`nav_entry`), shown when their module is on and the
  role may read their resource;
- what the panel's search box finds in it (`search_provider`);
- sections it adds to another app's detail page (`detail_section`: a customer's orders
  and quotes come from sales, which the customers app must not import);
- its periodic sweeps (`sweep`), run by the event bus's sweep task;
- its configurable fields (`configurable_fields`), the fields a tenant may hide or require.

The core reads the registries; nothing here imports an app. Registering the same name
twice with different content is an error (two apps claiming one resource), the same
content twice is harmless (ready() may run again in tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver

ADMIN, MANAGER, EMPLOYEE = "admin", "manager", "employee"
EVERYONE = frozenset({ADMIN, MANAGER, EMPLOYEE})
MANAGERS = frozenset({ADMIN, MANAGER})
ADMINS = frozenset({ADMIN})


class RegistryError(Exception):
    """Two declarations disagree, or a lookup names something nobody declared."""


# --- the permission matrix ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    # action -> roles; "read" and "write" always, named actions ("create", "transition")
    # where a role may do that one thing but not every write.
    rules: Mapping[str, frozenset[str]]
    description: str = ""


_RESOURCES: dict[str, Resource] = {}


def resource(
    name: str,
    *,
    read: frozenset[str],
    write: frozenset[str],
    description: str = "",
    **actions: frozenset[str],
) -> Resource:
    entry = Resource(name, {"read": read, "write": write, **actions}, description)
    return _put(_RESOURCES, name, entry, "resource")


def resources() -> Mapping[str, Resource]:
    return dict(_RESOURCES)


def rules_of(name: str) -> Mapping[str, frozenset[str]]:
    try:
        return _RESOURCES[name].rules
    except KeyError:
        raise RegistryError(f"no app declared the resource {name!r}") from None


# --- event types ----------------------------------------------------------------------

_EVENT_TYPES: dict[str, str] = {}  # type -> the app that declared it
_EVENT_LABELS: dict[str, Any] = {}  # type -> its label (a lazy translation)


def event_types(*types: str, app: str, labels: Mapping[str, Any] | None = None) -> None:
    """Declare the event types `app` emits; `labels`: what a person reads for some of
    them (lazy translations), so another app's page can name them without importing it."""
    for event_type in types:
        owner = _EVENT_TYPES.setdefault(event_type, app)
        if owner != app:
            raise RegistryError(f"event type {event_type!r} declared by {owner} and {app}")
    _EVENT_LABELS.update(labels or {})


def event_label(event_type: str) -> str:
    """The declared label of `event_type`, or the type itself."""
    return str(_EVENT_LABELS.get(event_type, event_type))


def known_event_types() -> tuple[str, ...]:
    return tuple(_EVENT_TYPES)


# --- API routes -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiRoute:
    prefix: str  # under /api/v1/, e.g. "customers" or "stock/levels"
    viewset: Any
    basename: str
    # Routers match in order: "stock/levels" must come before the catch-all "stock".
    order: int = 100


_API_ROUTES: dict[str, ApiRoute] = {}
_API_PATHS: dict[str, URLPattern | URLResolver] = {}


def api_route(prefix: str, viewset: Any, *, basename: str, order: int = 100) -> ApiRoute:
    return _put(_API_ROUTES, prefix, ApiRoute(prefix, viewset, basename, order), "API route")


def api_path(pattern: URLPattern | URLResolver) -> None:
    """A plain path under /api/v1/ (the token endpoints), declared with django.urls.path."""
    _put(_API_PATHS, str(pattern.pattern), pattern, "API path")


def api_routes() -> list[ApiRoute]:
    return sorted(_API_ROUTES.values(), key=lambda route: (route.order, route.prefix))


def api_paths() -> list[URLPattern | URLResolver]:
    return list(_API_PATHS.values())


# --- staff-panel navigation -----------------------------------------------------------


MAIN, HEADER = "main", "header"


@dataclass(frozen=True, slots=True)
class NavEntry:
    key: str
    label: Any  # a lazy translation
    url_name: str
    order: int
    module: str | None = None  # hidden (and its pages 404) when this module is off
    resource: str | None = None  # shown only to roles that may read it
    area: str = MAIN  # the side menu, or the header (the inbox)
    # A count shown on the entry (unread notifications): computed for the page, and
    # refreshed by polling `badge_url_name`, a fragment answering the count alone.
    badge: Callable[[Any], int] | None = None
    badge_url_name: str | None = None


_NAV: dict[str, NavEntry] = {}


def nav_entry(
    key: str,
    *,
    label: Any,
    url_name: str,
    order: int,
    module: str | None = None,
    resource: str | None = None,
    area: str = MAIN,
    badge: Callable[[Any], int] | None = None,
    badge_url_name: str | None = None,
) -> NavEntry:
    entry = NavEntry(key, label, url_name, order, module, resource, area, badge, badge_url_name)
    return _put(_NAV, key, entry, "nav entry")


def nav_entries() -> list[NavEntry]:
    return sorted(_NAV.values(), key=lambda entry: (entry.order, entry.key))


# --- the panel's search box ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchHit:
    title: str
    detail: str
    url: str


@dataclass(frozen=True, slots=True)
class SearchProvider:
    key: str
    label: Any  # a lazy translation: the heading of this provider's hits
    # (query, limit) -> at most `limit` hits, best first; one indexed query.
    find: Callable[[str, int], Sequence[SearchHit]]
    order: int
    module: str | None = None
    resource: str | None = None


_SEARCH: dict[str, SearchProvider] = {}


def search_provider(
    key: str,
    *,
    label: Any,
    find: Callable[[str, int], Sequence[SearchHit]],
    order: int,
    module: str | None = None,
    resource: str | None = None,
) -> SearchProvider:
    entry = SearchProvider(key, label, find, order, module, resource)
    return _put(_SEARCH, key, entry, "search provider")


def search_providers() -> list[SearchProvider]:
    return sorted(_SEARCH.values(), key=lambda entry: (entry.order, entry.key))


# --- sections of another app's detail page -------------------------------------------


@dataclass(frozen=True, slots=True)
class DetailSection:
    entity: str  # whose detail page: "customer", "product"
    key: str
    label: Any  # a lazy translation: the section's heading
    # A fragment view taking the entity's `pk`; the page loads it with htmx, so the
    # detail page's own queries stay the same whatever the section holds.
    url_name: str
    order: int
    module: str | None = None
    resource: str | None = None


_SECTIONS: dict[tuple[str, str], DetailSection] = {}


def detail_section(
    entity: str,
    key: str,
    *,
    label: Any,
    url_name: str,
    order: int,
    module: str | None = None,
    resource: str | None = None,
) -> DetailSection:
    entry = DetailSection(entity, key, label, url_name, order, module, resource)
    return _put(_SECTIONS, (entity, key), entry, "detail section")


def detail_sections(entity: str) -> list[DetailSection]:
    entries = [entry for (name, _key), entry in _SECTIONS.items() if name == entity]
    return sorted(entries, key=lambda entry: (entry.order, entry.key))


# --- periodic sweeps ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sweep:
    name: str
    # Runs in one tenant's context; returns how many things it re-queued or fixed.
    func: Callable[[], int]


_SWEEPS: dict[str, Sweep] = {}


def sweep(name: str, func: Callable[[], int]) -> Sweep:
    return _put(_SWEEPS, name, Sweep(name, func), "sweep")


def sweeps() -> list[Sweep]:
    return list(_SWEEPS.values())


# --- configurable fields --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntityFields:
    entity: str
    configurable: tuple[str, ...]  # a tenant may hide or require these
    core: tuple[str, ...] = field(default=())  # always shown and required


_FIELDS: dict[str, EntityFields] = {}


def configurable_fields(
    entity: str, *, configurable: Iterable[str], core: Iterable[str] = ()
) -> EntityFields:
    entry = EntityFields(entity, tuple(configurable), tuple(core))
    return _put(_FIELDS, entity, entry, "configurable fields")


def fields_of(entity: str) -> EntityFields:
    try:
        return _FIELDS[entity]
    except KeyError:
        raise RegistryError(f"no app declared configurable fields for {entity!r}") from None


def entities() -> Mapping[str, EntityFields]:
    return dict(_FIELDS)


# --- helpers --------------------------------------------------------------------------


def _put(registry: dict[Any, Any], key: Any, entry: Any, what: str) -> Any:
    existing = registry.get(key)
    if existing is not None and existing != entry:
        raise RegistryError(f"{what} {key!r} is declared twice, differently")
    registry[key] = entry
    return entry
