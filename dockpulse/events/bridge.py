"""The bridge from `domain_event` to PostgreSQL (docs/events.md).

Writes the event_log row in the caller's tenant transaction (the outbox) and, when that
transaction commits, sends one `pg_notify('dockpulse_events', '<slug>')` on the platform
database: a wake-up for the listener, not the data. One per commit, never per event: a
committing NOTIFY takes a server-wide lock.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import connections

from dockpulse.actors import Actor
from dockpulse.tenancy import get_current_tenant
from dockpulse.tenancy.connections import alias_for

from .models import EventLog

logger = logging.getLogger(__name__)

CHANNEL = "dockpulse_events"


class OutboxOutsideTransaction(RuntimeError):
    """An event was sent outside a tenant transaction, so it could outlive a rollback."""


class _NotifyOnCommit:
    """The on_commit callback; one per tenant transaction, whatever the event count."""

    def __init__(self, slug: str) -> None:
        self.slug = slug

    def __call__(self) -> None:
        notify(self.slug)


def notify(slug: str) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, slug])


def _actor(actor: Any, explicit: str | None) -> tuple[uuid.UUID | None, str]:
    """(actor id, actor type) for the event_log row. Services pass a typed Actor; a staff
    user's or customer's row is still accepted from callers not converted yet."""
    if isinstance(actor, Actor):
        return actor.id, explicit or actor.kind
    if explicit:
        return getattr(actor, "pk", None), explicit
    if actor is None:
        return None, "system"
    return actor.pk, "customer" if actor._meta.model_name == "customer" else "staff"


def record_event(
    sender: str,
    *,
    event_type: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    payload: dict[str, Any],
    actor: Any,
    actor_type: str | None,
    **kwargs: Any,
) -> Any:
    tenant = get_current_tenant()
    alias = alias_for(tenant)
    connection = connections[alias]
    if not connection.in_atomic_block:
        raise OutboxOutsideTransaction(
            f"{event_type} sent outside tenant_atomic(): the event and the change it "
            "records must commit together"
        )
    user_id, kind = _actor(actor, actor_type)
    event = EventLog.objects.using(alias).create(
        event_type=event_type,
        source_module=sender,
        entity_type=entity_type,
        entity_id=entity_id,
        payload=payload,
        user_id=user_id,
        actor_type=kind,
    )
    # run_on_commit holds (savepoint ids, callback, robust); a callback registered in a
    # rolled-back savepoint is gone from it, so a later event registers again.
    pending = any(
        isinstance(entry[1], _NotifyOnCommit) and entry[1].slug == tenant.slug
        for entry in connection.run_on_commit
    )
    if not pending:
        # robust: the tenant's data is committed whatever the platform database says; a
        # lost wake-up is caught by the event bus's periodic sweep.
        connection.on_commit(_NotifyOnCommit(tenant.slug), robust=True)
    return event
