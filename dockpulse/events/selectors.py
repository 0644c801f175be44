from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import QuerySet

from .models import EventLog


def event_list(
    *,
    event_type: str = "",
    entity_type: str = "",
    entity_id: uuid.UUID | None = None,
    actor: uuid.UUID | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[EventLog]:
    qs = EventLog.objects.order_by("-created_at", "-id")
    if event_type:
        qs = (
            qs.filter(event_type__startswith=event_type)
            if event_type.endswith(".")
            else qs.filter(event_type=event_type)
        )
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    if actor:
        qs = qs.filter(user_id=actor)
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lt=until)
    return qs
