"""`domain_event`: one explicit signal per domain change, sent by services.

Not post_save: it misses bulk_create()/update() and would flood on line and ledger rows.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, cast

from django.dispatch import Signal

if TYPE_CHECKING:
    from .models import EventLog

# Sent with sender=<source module> and the keyword arguments of emit() below.
domain_event = Signal()


def emit(
    *,
    event_type: str,
    source_module: str,
    entity_type: str = "",
    entity_id: uuid.UUID | None = None,
    payload: dict[str, Any] | None = None,
    actor: Any = None,
    actor_type: str | None = None,
) -> EventLog:
    """Send a domain event from inside the caller's tenant transaction.

    `actor` is who caused it: a `dockpulse.actors.Actor` (or, from callers not converted
    yet, the staff user's or customer's row; None for the system). Returns the event_log
    row that the bridge wrote in the same transaction.
    """
    responses = domain_event.send(
        sender=source_module,
        event_type=event_type,
        entity_type=entity_type,
        entity_id=entity_id,
        payload=payload or {},
        actor=actor,
        actor_type=actor_type,
    )
    from .bridge import record_event

    for receiver, response in responses:
        if receiver is record_event:
            return cast("EventLog", response)
    raise RuntimeError("the event outbox bridge is not connected")
