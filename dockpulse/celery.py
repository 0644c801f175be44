"""The Celery app (Redis broker). Tenant-aware tasks and queues: DESIGN section 6."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dockpulse.settings")

app = Celery("dockpulse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [
    Queue(name) for name in ("events", "notifications", "webhooks", "maintenance")
]
app.autodiscover_tasks()
