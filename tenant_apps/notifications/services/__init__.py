"""Writes of the notification domain, by sub-domain: `triggers` (an admin's triggers and a
new tenant's defaults), `firing` (an event's deliveries), `sending` (one delivery sent,
with its retries, and the sweep), `inbox` (in-app notifications read), `queueing` (the
send task, by name).

The names other apps and the task use are importable from here.
"""

from __future__ import annotations

from .firing import triggers_fire
from .inbox import notifications_mark_read
from .queueing import queue_send
from .sending import deliveries_sweep, notification_retry, notification_send, retry_delay
from .triggers import trigger_create, trigger_delete, trigger_update, triggers_seed

__all__ = [
    "deliveries_sweep",
    "notification_retry",
    "notification_send",
    "notifications_mark_read",
    "queue_send",
    "retry_delay",
    "trigger_create",
    "trigger_delete",
    "trigger_update",
    "triggers_fire",
    "triggers_seed",
]
