"""Handlers for the event-bus tests only; the worker processes of those tests load them
through EVENT_HANDLER_MODULES. Their database effect appends "x" to a customer's notes, so
an effect that committed twice shows as "xx"."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Concat

from dockpulse.events.handlers import handler
from dockpulse.events.models import EventLog
from tenant_apps.customers.models import Customer


def markers() -> Path:
    return Path(os.environ.get("DOCKPULSE_TEST_MARKERS", tempfile.gettempdir()))


def _effect(event: EventLog) -> None:
    assert event.entity_id is not None
    Customer.objects.filter(pk=event.entity_id).update(notes=Concat(F("notes"), Value("x")))


@handler("test.flaky", name="tests.flaky")
def flaky(event: EventLog) -> None:
    """Fails the first time it sees an event (after writing its effect, which rolls back)."""
    _effect(event)
    marker = markers() / f"flaky-{event.event_id}"
    if not marker.exists():
        marker.write_text("failed once")
        raise RuntimeError("failing once on purpose")


@handler("test.slow", name="tests.slow")
def slow(event: EventLog) -> None:
    """The first time: leaves its process id in a marker and hangs (the test kills it)."""
    _effect(event)
    marker = markers() / f"slow-{event.event_id}"
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(120)


@handler("test.picky", name="tests.picky", batch=True)
def picky(events: list[EventLog]) -> None:
    """A batch handler that refuses any batch holding an event marked bad."""
    for event in events:
        if event.payload.get("bad"):
            raise ValueError(f"bad event {event.event_id}")
        _effect(event)


def tally(event: EventLog) -> None:
    """Counts its runs in the customer's city ("x" per event of the customer; neither the
    tests' creations nor their changes write the city): unlike the timeline, nothing here is
    unique, so a run that committed twice shows as one "x" too many."""
    assert event.entity_id is not None
    Customer.objects.filter(pk=event.entity_id).update(
        address_city=Concat(F("address_city"), Value("x"))
    )


# Every customer event runs it: only in the processes told to load this module (the bus's
# and the chaos stack's), not in a test process that imports it for the handlers above
# (tests/test_event_delivery.py counts the delivery rows a customer's events get).
if __name__ in settings.EVENT_HANDLER_MODULES:
    handler("customer.created", "customer.updated", name="tests.tally")(tally)
