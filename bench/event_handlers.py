"""A benchmark-only handler: it records when it starts for each event, in Redis (outside
the tenant transaction, so the timestamp is not held back by the drain's commit)."""

from __future__ import annotations

import os
import time

import redis

from dockpulse.events.handlers import handler
from dockpulse.events.models import EventLog

_client = redis.Redis.from_url(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
KEY = "bench:events:started"


@handler("customer.updated", name="bench.latency", batch=True)
def record_start(events: list[EventLog]) -> None:
    now = f"{time.time():.6f}"
    marks = [f"{e.event_id} {now}" for e in events if "bench_seq" in e.payload]
    if marks:
        _client.rpush(KEY, *marks)
