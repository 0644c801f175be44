"""Event handlers register here, by event type (docs/events.md).

    from dockpulse.events.handlers import handler

    @handler("order.created", name="stock.reserve", module="@stock")
    def reserve(event: EventLog) -> None: ...

A `db` handler only touches the tenant database: the event bus runs it in the tenant's
context, inside the transaction that marks its delivery row done, so its effect and the
"done" commit together (exactly once per delivery row). It must still be safe to run again
for the same event (`replay_events` re-runs handlers on purpose). An `outside` handler
talks to the world (SMS, e-mail, webhooks); it runs from a Celery task per delivery row,
at least once. A handler whose `module` is switched off for the tenant is skipped; one with
`entity_types` gets only events about those entities (no delivery rows for the rest).

`batch=True` handlers take a list of events: the drain hands them all the events of one
claimed batch at once (one query for many events). If a batch fails, the drain runs it
again event by event, each in its own savepoint, so one bad event cannot hold back the rest.

Apps register their handlers in `handlers.py`, imported from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .models import EventLog

HandlerFunc = Callable[..., None]


@dataclass(frozen=True, slots=True)
class Handler:
    name: str
    event_types: frozenset[str]
    func: HandlerFunc
    kind: Literal["db", "outside"] = "db"
    module: str | None = None
    entity_types: frozenset[str] = frozenset()
    batch: bool = False

    def wants(self, event: EventLog) -> bool:
        return not self.entity_types or event.entity_type in self.entity_types

    def run(self, events: list[EventLog]) -> None:
        if self.batch:
            self.func(events)
        else:
            for event in events:
                self.func(event)


_HANDLERS: dict[str, Handler] = {}


def handler(
    *event_types: str,
    name: str,
    kind: Literal["db", "outside"] = "db",
    module: str | None = None,
    entity_types: tuple[str, ...] = (),
    batch: bool = False,
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register `func` for `event_types` ("*" for every event) under a unique `name`."""
    if batch and kind != "db":
        raise ValueError("only database handlers run in batches")

    def register(func: HandlerFunc) -> HandlerFunc:
        existing = _HANDLERS.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"event handler {name!r} is registered twice")
        _HANDLERS[name] = Handler(
            name, frozenset(event_types), func, kind, module, frozenset(entity_types), batch
        )
        return func

    return register


def handlers_for(event: EventLog) -> list[Handler]:
    return sorted(
        (
            h
            for h in _HANDLERS.values()
            if (event.event_type in h.event_types or "*" in h.event_types) and h.wants(event)
        ),
        key=lambda h: h.name,
    )


def get_handler(name: str) -> Handler:
    return _HANDLERS[name]


def all_handlers() -> list[Handler]:
    return sorted(_HANDLERS.values(), key=lambda h: h.name)
