"""Queueing a delivery's send task, by the task's name.

The services queue sends and the task calls the services: naming the task here, instead
of importing it, keeps `tasks` -> `services` the only direction.
"""

from __future__ import annotations

import uuid

from dockpulse.celery import app
from tenant_apps.notifications.models import ActionType

SEND_TASK = "notifications.send"


def queue_send(
    tenant_id: uuid.UUID | str, delivery_id: uuid.UUID | str, channel: str, delay: float = 0
) -> None:
    # Webhooks have a queue of their own: a slow endpoint must not hold up SMS and e-mail.
    app.send_task(
        SEND_TASK,
        args=[str(tenant_id), str(delivery_id)],
        countdown=delay,
        queue="webhooks" if channel == ActionType.WEBHOOK else "notifications",
    )
