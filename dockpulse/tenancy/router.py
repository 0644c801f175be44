"""Sends every ORM query to the database of the current context (docs/tenancy.md).

The platform's apps (TENANCY_PLATFORM_APPS) -> `default`, always. Shared apps (users, auth,
sessions, ...) -> the tenant's database in tenant context, `default` in platform context.
Tenant apps -> the tenant's database; in platform context they raise. Unset context raises
for everything but the platform's apps: fail closed, never a silent default.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from .connections import alias_for
from .context import PLATFORM, current_state
from .exceptions import NoTenantContext, WrongContext
from .info import TenantInfo

# Django's migration recorder table exists in every database.
_ALWAYS_SHARED = frozenset({"migrations"})


def app_kind(app_label: str) -> str:
    if app_label in settings.TENANCY_PLATFORM_APPS:
        return "platform"
    if app_label in settings.TENANCY_SHARED_APPS or app_label in _ALWAYS_SHARED:
        return "shared"
    return "tenant"


class TenantRouter:
    def _route(self, model: type[models.Model], hints: dict[str, Any]) -> str:
        label = model._meta.app_label
        kind = app_kind(label)
        if kind == "platform":
            return "default"
        state = current_state()
        if isinstance(state, TenantInfo):
            alias = alias_for(state)
        elif state is PLATFORM:
            if kind == "tenant":
                raise WrongContext(
                    f"{model._meta.label} lives in tenant databases; "
                    "it was used in platform context"
                )
            alias = "default"
        else:
            raise NoTenantContext(
                f"{model._meta.label} queried with no tenant context: use the middleware, "
                "tenant_context(slug) or platform_context()"
            )
        instance = hints.get("instance")
        instance_db = getattr(getattr(instance, "_state", None), "db", None)
        if instance_db is not None and instance_db != alias:
            raise WrongContext(
                f"{model._meta.label} loaded from {instance_db!r} used in the context of {alias!r}"
            )
        return alias

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str:
        return self._route(model, hints)

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        return self._route(model, hints)

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool | None:
        db1, db2 = obj1._state.db, obj2._state.db
        if db1 is None or db2 is None:
            return None
        return db1 == db2

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        kind = app_kind(app_label)
        if kind == "platform":
            return db == "default"
        if kind == "shared":
            return True
        return db != "default"
