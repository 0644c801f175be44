"""Delivering recorded events to their handlers (docs/events.md, "Delivery").

drain(): claims the tenant's undispatched events (`FOR UPDATE SKIP LOCKED`, so two drains
of one tenant never take the same event), writes one delivery row per (event, handler) and
marks the events dispatched, all in one transaction. Database-only handlers run right
there, each in a savepoint with its delivery row marked done, so their effect and "done"
commit together. Outside handlers and failed ones are queued per delivery row; the sweep
re-queues what a crash left behind.

The two tasks the drain queues itself (the next drain, a delivery row's run) are defined
here, not in tasks.py: the drain queues them and they call the drain, and one module keeps
that loop out of the import graph.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from dockpulse.celery import TenantTask, app, backoff
from dockpulse.modules import module_switch
from dockpulse.tenancy import current_db_alias, get_current_tenant, tenant_atomic
from dockpulse.tenancy.transaction import tenant_on_commit

from .handlers import Handler, get_handler, handlers_for
from .models import EventDelivery, EventLog

logger = logging.getLogger("dockpulse.events")


def _batch() -> int:
    return int(getattr(settings, "EVENTS_DRAIN_BATCH", 200))


def _rounds() -> int:
    """Batches one drain task claims before handing the rest to the next task."""
    return int(getattr(settings, "EVENTS_DRAIN_ROUNDS", 10))


def _max_attempts() -> int:
    return int(getattr(settings, "EVENT_HANDLER_MAX_ATTEMPTS", 8))


def stale_after() -> dt.timedelta:
    """How long a queued delivery may wait before the sweep assumes its task was lost."""
    return dt.timedelta(seconds=float(getattr(settings, "EVENTS_STALE_AFTER", 120)))


@dataclass
class DrainResult:
    events: int = 0
    done: int = 0
    queued: list[uuid.UUID] = field(default_factory=list)


def _enabled_modules() -> frozenset[str]:
    # Asked per batch, not cached: a module switched off stops its handlers at once.
    return module_switch().enabled_codes()


def _claim(now: dt.datetime) -> list[EventLog]:
    """Claim and mark up to a batch of undispatched events in one statement, oldest first.

    SKIP LOCKED: rows another drain holds are left to it. The mark commits with the
    delivery rows, or not at all (then the events are undispatched again)."""
    table = EventLog._meta.db_table
    claimed = EventLog.objects.raw(
        f"UPDATE {table} SET dispatched_at = %s WHERE id IN ("
        f" SELECT id FROM {table} WHERE dispatched_at IS NULL"
        " ORDER BY created_at, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING *",
        [now, _batch()],
    )
    return sorted(claimed, key=lambda event: (event.created_at, event.id))


# One key per tenant database (advisory locks are per database): every transaction that runs
# handlers takes it, so two drains (or a drain and a retry) of one tenant never hold row
# locks of several orders at once in different orders -- no deadlock between handlers.
HANDLERS_LOCK = 0x646F636B  # "dock"


def lock_handlers() -> None:
    """Inside a tenant transaction: wait for any other handler run of this tenant to end."""
    with connections[current_db_alias()].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HANDLERS_LOCK])


def _check_now() -> None:
    """Foreign keys are checked at commit by default; check them inside the savepoint, so a
    handler's bad row fails that handler, not the whole batch's commit."""
    with connections[current_db_alias()].cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _attempt(handler: Handler, events: list[EventLog]) -> Exception | None:
    """Run the handler for `events` in a savepoint: None, or the error (nothing kept)."""
    try:
        with transaction.atomic(using=current_db_alias()):
            handler.run(events)
            _check_now()
    except Exception as exc:
        return exc
    return None


def _attempt_all(
    groups: list[tuple[str, Handler, list[EventLog]]],
) -> tuple[str, Exception] | None:
    """Every database handler of a batch in one savepoint: None, or (who failed, error)."""
    current = ""
    try:
        with transaction.atomic(using=current_db_alias()):
            for name, handler, events in groups:
                current = name
                handler.run(events)
            current = ""
            _check_now()
    except Exception as exc:
        return current, exc
    return None


def _failure(handler: Handler, event_id: object, attempts: int, exc: Exception) -> dict[str, Any]:
    """The delivery row's fields after failed attempt number `attempts`, with the retry's
    delay in `delay` (-1: given up)."""
    final = attempts >= _max_attempts()
    logger.warning(
        "handler %s failed on %s (attempt %d%s): %s",
        handler.name, event_id, attempts, ", giving up" if final else "", exc,
    )  # fmt: skip
    delay = -1.0 if final else backoff(attempts)
    return {
        "status": EventDelivery.Status.FAILED if final else EventDelivery.Status.RETRY,
        "attempts": attempts,
        "last_error": f"{type(exc).__name__}: {exc}"[:2000],
        # The sweep's deadline: the retry's own time plus the usual allowance.
        "next_attempt_at": None
        if final
        else timezone.now() + dt.timedelta(seconds=delay) + stale_after(),
        "delay": delay,
    }


def run_handler(handler: Handler, delivery: EventDelivery, event: EventLog) -> float | None:
    """Run one handler for one event and update its delivery row in the same transaction.
    None when done; after a failure, the seconds until its retry (-1: given up)."""
    error = _attempt(handler, [event])
    if error is None:
        EventDelivery.objects.filter(pk=delivery.pk).update(
            status=EventDelivery.Status.DONE, attempts=delivery.attempts + 1,
            done_at=timezone.now(), last_error="", next_attempt_at=None,
        )  # fmt: skip
        return None
    fields = _failure(handler, event.event_id, delivery.attempts + 1, error)
    delay = fields.pop("delay")
    EventDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return float(delay)


def drain() -> DrainResult:
    """Deliver the current tenant's undispatched events; returns what it did.

    Per claimed batch and per handler: one savepoint for all its events (a batch handler
    gets them in one call); only if that fails, one savepoint per event. Delivery rows are
    written once, with their outcome, in one INSERT.
    """
    result = DrainResult()
    for _round in range(_rounds()):
        queued: list[tuple[uuid.UUID, float]] = []
        with tenant_atomic():
            lock_handlers()
            now = timezone.now()
            events = _claim(now)
            if not events:
                break
            enabled = _enabled_modules()
            groups: dict[str, tuple[Handler, list[EventLog]]] = {}
            for event in events:
                for handler in handlers_for(event):
                    if handler.module and handler.module not in enabled:
                        continue
                    groups.setdefault(handler.name, (handler, []))[1].append(event)
            rows: list[EventDelivery] = []
            database = [(n, *groups[n]) for n in sorted(groups) if groups[n][0].kind == "db"]
            # The usual case: every handler succeeds, under one savepoint for the batch.
            failed = _attempt_all(database)
            again: tuple[str, Exception] | None = None
            if failed is not None:
                # Everything else again without the one that failed (which is not re-run
                # for a lone event: it failed once, and is retried later like any failure).
                rest = [group for group in database if group[0] != failed[0]]
                again = _attempt_all(rest) if rest else None
            for name in sorted(groups):
                handler, claimed = groups[name]
                if handler.kind != "db":
                    for event in claimed:
                        row = EventDelivery(event=event, handler=name,
                                            next_attempt_at=now + stale_after())  # fmt: skip
                        rows.append(row)
                        queued.append((row.id, 0.0))
                    continue
                outcomes: list[tuple[EventLog, Exception | None]]
                if failed is None or (name != failed[0] and again is None):
                    outcomes = [(event, None) for event in claimed]
                elif name == failed[0] and len(claimed) == 1:
                    outcomes = [(claimed[0], failed[1])]
                elif name == failed[0]:
                    # Which of the batch's events is the bad one: each in its own savepoint.
                    outcomes = [(event, _attempt(handler, [event])) for event in claimed]
                else:
                    # A second handler failed too: sort the rest out one by one.
                    error = _attempt(handler, claimed)
                    if error is None or len(claimed) == 1:
                        outcomes = [(event, error) for event in claimed]
                    else:
                        outcomes = [(event, _attempt(handler, [event])) for event in claimed]
                for event, failure in outcomes:
                    if failure is None:
                        done = EventDelivery.Status.DONE
                        rows.append(
                            EventDelivery(
                                event=event, handler=name, attempts=1, status=done, done_at=now
                            )
                        )
                        result.done += 1
                        continue
                    fields = _failure(handler, event.event_id, 1, failure)
                    delay = float(fields.pop("delay"))
                    row = EventDelivery(event=event, handler=name, **fields)
                    rows.append(row)
                    if delay >= 0:
                        queued.append((row.id, delay))
            # ignore_conflicts: a replay may have written a row for one of these already.
            EventDelivery.objects.bulk_create(rows, ignore_conflicts=True)
            if queued:
                tenant_on_commit(_Enqueue(get_current_tenant().id, queued), robust=True)
        result.events += len(events)
        result.queued += [delivery_id for delivery_id, _delay in queued]
        if len(events) < _batch():
            break
    else:
        # A long backlog: this task stops after its rounds (tasks stay short, well inside the
        # broker's visibility timeout) and queues the next drain for the rest.
        wake(get_current_tenant().id)
    return result


class _Enqueue:
    """After commit: queue one run_delivery task per row, retries after their delay."""

    def __init__(self, tenant_id: uuid.UUID, rows: list[tuple[uuid.UUID, float]]) -> None:
        self.tenant_id = tenant_id
        self.rows = rows

    def __call__(self) -> None:
        for delivery_id, countdown in self.rows:
            run_delivery.apply_async(
                args=[str(self.tenant_id), str(delivery_id)], countdown=countdown
            )


def deliver(delivery_id: uuid.UUID | str) -> str:
    """Run one delivery row's handler (a retry, or an outside handler): its new status.

    The row is locked for the run, so two copies of the task cannot both run it; a row
    already done (or given up) is left alone.
    """
    with tenant_atomic():
        lock_handlers()
        delivery = (
            EventDelivery.objects.select_for_update(of=("self",))
            .select_related("event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            # Not in this tenant's database: never look anywhere else.
            logger.warning("delivery %s not found in tenant %s", delivery_id,
                           get_current_tenant().slug)  # fmt: skip
            return "missing"
        if delivery.status in (EventDelivery.Status.DONE, EventDelivery.Status.FAILED):
            return str(delivery.status)
        try:
            handler = get_handler(delivery.handler)
        except KeyError:
            delivery.status = EventDelivery.Status.FAILED
            delivery.last_error = f"no handler {delivery.handler} in this release"
            delivery.save(update_fields=["status", "last_error"])
            return str(delivery.status)
        delay = run_handler(handler, delivery, delivery.event)
        delivery.refresh_from_db(fields=["status"])
        if delay is not None and delay >= 0:
            tenant_on_commit(_Enqueue(get_current_tenant().id, [(delivery.id, delay)]), robust=True)
        return str(delivery.status)


def _wake_key(tenant_id: uuid.UUID | str) -> str:
    """Redis key saying "a drain of this tenant is queued" (per platform database)."""
    return f"dockpulse:{connections['default'].settings_dict['NAME']}:drain:{tenant_id}"


def wake(tenant_id: uuid.UUID | str) -> bool:
    """Queue a drain for the tenant unless one is already waiting (merged wake-ups)."""
    from django_redis import get_redis_connection

    if not get_redis_connection("default").set(_wake_key(tenant_id), "1", nx=True, ex=60):
        return False
    drain_events.apply_async(args=[str(tenant_id)])
    return True


def clear_wake(tenant_id: uuid.UUID | str) -> None:
    """Called as a drain starts: events committed from now on wake a new drain."""
    from django_redis import get_redis_connection

    get_redis_connection("default").delete(_wake_key(tenant_id))


def sweep() -> dict[str, int]:
    """For the current tenant: wake a drain for events left undispatched and re-queue
    delivery rows whose task is overdue (lost in a crash or a broker restart)."""
    tenant = get_current_tenant()
    now = timezone.now()
    counts = {"undispatched": 0, "requeued": 0}
    grace = now - dt.timedelta(seconds=float(getattr(settings, "EVENTS_SWEEP_GRACE", 10)))
    counts["undispatched"] = EventLog.objects.filter(
        dispatched_at__isnull=True, created_at__lt=grace
    ).count()
    if counts["undispatched"]:
        wake(tenant.id)
    overdue = list(
        EventDelivery.objects.filter(
            status__in=[EventDelivery.Status.PENDING, EventDelivery.Status.RETRY],
            next_attempt_at__lt=now,
        ).values_list("id", flat=True)[:1000]
    )
    if overdue:
        EventDelivery.objects.filter(pk__in=overdue).update(next_attempt_at=now + stale_after())
        for delivery_id in overdue:
            run_delivery.apply_async(args=[str(tenant.id), str(delivery_id)])
    counts["requeued"] = len(overdue)
    return counts


@app.task(base=TenantTask, name="events.drain", queue="events")
def drain_events(tenant_id: str) -> dict[str, Any]:
    clear_wake(tenant_id)
    result = drain()
    if result.events:
        logger.info("drained %d event(s): %d handled, %d queued",
                    result.events, result.done, len(result.queued))  # fmt: skip
    return {"events": result.events, "done": result.done, "queued": len(result.queued)}


@app.task(base=TenantTask, name="events.run_delivery", queue="events")
def run_delivery(tenant_id: str, delivery_id: str) -> str:
    return deliver(delivery_id)
