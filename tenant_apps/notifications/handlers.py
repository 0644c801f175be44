"""The workflow-trigger handler: for each enabled trigger of an event, who gets what.

It runs as a database-only handler inside the drain's transaction: it writes one delivery
row per recipient (the unique key makes a replay harmless) and stores push notifications
at once; SMS, e-mail and webhooks are sent by `send_notification` tasks queued when that
transaction commits.
"""

from __future__ import annotations

from dockpulse.events.handlers import handler
from dockpulse.events.models import EventLog

from . import services


@handler("*", name="notifications.triggers", module="@notifications", batch=True)
def run_triggers(events: list[EventLog]) -> None:
    services.triggers_fire(events=events)
