"""Re-running handlers for stored events (`manage.py replay_events`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from dockpulse.modules import module_switch
from dockpulse.tenancy import tenant_atomic

from .delivery import lock_handlers, run_handler
from .handlers import Handler, handlers_for
from .models import EventDelivery, EventLog


@dataclass
class ReplayResult:
    events: int = 0
    runs: int = 0
    failures: int = 0


def replay(
    *,
    since: dt.datetime | None = None,
    event_type: str = "",
    handler_name: str = "",
    dry_run: bool = False,
) -> ReplayResult:
    """Run the matching handlers again for the current tenant's stored events, oldest
    first, each in its own transaction with its delivery row. Handlers are idempotent, so
    what was already done stays done once; what failed or was missed happens now."""
    events = EventLog.objects.order_by("created_at", "id")
    if since is not None:
        events = events.filter(created_at__gte=since)
    if event_type:
        events = events.filter(event_type=event_type)
    enabled = module_switch().enabled_codes()
    result = ReplayResult()
    for event in events.iterator(chunk_size=500):
        wanted: list[Handler] = [
            h
            for h in handlers_for(event)
            if (not handler_name or h.name == handler_name)
            and (not h.module or h.module in enabled)
        ]
        if not wanted:
            continue
        result.events += 1
        for handler in wanted:
            result.runs += 1
            if dry_run:
                continue
            with tenant_atomic():
                lock_handlers()
                delivery, _created = EventDelivery.objects.select_for_update().get_or_create(
                    event=event, handler=handler.name
                )
                if run_handler(handler, delivery, event) is not None:
                    result.failures += 1
        if event.dispatched_at is None and not handler_name and not dry_run:
            # Every handler ran for it: the drain need not. With --handler, the others have
            # not, so the event stays for the drain.
            EventLog.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
                dispatched_at=timezone.now()
            )
    return result
