"""The workers' heartbeat the health page reads (platform_app/selectors_health.py).

Beat queues it every 60 s on the maintenance queue; a worker that runs it writes the
time to Redis. No heartbeat for minutes means beat or the workers are down (or the queue
is stuck behind something), which no other figure on the page would show.
"""

from __future__ import annotations

import time

from django_redis import get_redis_connection

from dockpulse.celery import app

HEARTBEAT_KEY = "dockpulse:platform:worker_heartbeat"
# Kept a day: "no heartbeat for 3 hours" says more than "never".
HEARTBEAT_TTL = 24 * 60 * 60


@app.task(name="platform.worker_heartbeat", queue="maintenance")
def worker_heartbeat() -> float:
    now = time.time()
    # The raw connection, not the cache: the cache's keys are per tenant context.
    get_redis_connection("default").set(HEARTBEAT_KEY, repr(now), ex=HEARTBEAT_TTL)
    return now
