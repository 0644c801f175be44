"""Where the tenancy core learns which tenants exist, without importing the platform app.

The platform app owns the `tenants` table; the core needs to look a tenant up (the
registry), list the active ones (sweeps, the listener, periodic tasks), publish changes,
and change what a tenant's own admin may change on its row (name, language, time zone:
tenant apps never import the platform app). The platform app provides a
`TenantDirectory` from its AppConfig.ready(); the core calls `directory()`. None
provided is an error, never an empty list: a sweep that silently found no tenants would
look healthy while doing nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from .info import TenantInfo


class TenantDirectory(Protocol):
    def load(self, slug: str) -> TenantInfo | None:
        """The tenant with this slug, read from the platform database."""

    def slug_of(self, tenant_id: uuid.UUID) -> str | None: ...

    def stamps(self) -> Iterable[tuple[str, str]]:
        """(slug, stamp) of every tenant, for rebuilding the registry's Redis hash."""

    def active_ids(self) -> list[uuid.UUID]: ...

    def update_profile(
        self, tenant_id: uuid.UUID, *, name: str, language: str, time_zone: str, actor: str = ""
    ) -> TenantInfo:
        """Change the tenant's name, language and time zone (its own admin's settings page),
        published so every process sees them from its next request; the new snapshot.
        Call inside the tenant's transaction, last: a failure here rolls the tenant's side
        of the change back too."""


_directory: TenantDirectory | None = None


def provide(directory: TenantDirectory) -> None:
    global _directory
    _directory = directory


def directory() -> TenantDirectory:
    if _directory is None:
        raise ImproperlyConfigured("no app provided the tenant directory (dockpulse.tenancy)")
    return _directory


def active_tenant_ids() -> list[uuid.UUID]:
    return directory().active_ids()


def fan_out(task: Any, *args: Any) -> int:
    """Queue `task(tenant_id, *args)` once per active tenant; returns how many.

    A suspended tenant's periodic work waits: TenantTask skips it, and the sweeps catch up
    after it resumes.
    """
    ids = active_tenant_ids()
    for tenant_id in ids:
        task.apply_async(args=[str(tenant_id), *args])
    return len(ids)
