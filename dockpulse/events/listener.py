"""The event listener: one direct LISTEN connection on the platform database.

Each committed tenant transaction with events sends `pg_notify('dockpulse_events', slug)`.
The listener gathers the wake-ups that arrive together, merges them per tenant, and queues
one drain per tenant (`delivery.wake`, which also skips tenants whose drain is already
waiting). NOTIFY is lost while nobody listens, so on every (re)connect it wakes every active
tenant once: the drains find whatever was committed meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

import psycopg
from django.db import close_old_connections

from dockpulse.tenancy import dbadmin
from dockpulse.tenancy.directory import active_tenant_ids
from dockpulse.tenancy.registry import registry

from .bridge import CHANNEL
from .delivery import wake

logger = logging.getLogger("dockpulse.events.listener")

# After the first wake-up, how long to gather others before queueing (seconds).
MERGE_WINDOW = 0.002


class Listener:
    def __init__(self, *, max_backoff: float = 30.0) -> None:
        self.max_backoff = max_backoff
        self.stopping = threading.Event()
        self.woken = 0

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        delay = 0.5
        while not self.stopping.is_set():
            try:
                with psycopg.connect(
                    **dbadmin.connection_params(),
                    autocommit=True,
                    # A half-open socket (a server gone without a word) is noticed in ~1 min.
                    keepalives=1, keepalives_idle=30, keepalives_interval=10,
                    keepalives_count=3,
                ) as conn:  # fmt: skip
                    conn.execute(f"LISTEN {CHANNEL}")
                    logger.info("listening on %s", CHANNEL)
                    delay = 0.5
                    self.wake_all()
                    self.loop(conn)
            except Exception as exc:
                if self.stopping.is_set():
                    break
                logger.warning("listener interrupted (%s: %s); reconnecting in %.1f s",
                               type(exc).__name__, exc, delay)  # fmt: skip
                self.stopping.wait(delay)
                delay = min(self.max_backoff, delay * 2)

    def loop(self, conn: psycopg.Connection) -> None:
        idle = 0
        while not self.stopping.is_set():
            slugs: set[str] = set()
            for notify in conn.notifies(timeout=1.0, stop_after=1):
                slugs.add(notify.payload)
            if not slugs:
                idle += 1
                if idle >= 60:  # a quiet minute: make sure the connection still answers
                    conn.execute("SELECT 1")
                    idle = 0
                continue
            idle = 0
            for notify in conn.notifies(timeout=MERGE_WINDOW):
                slugs.add(notify.payload)
            for slug in slugs:
                self.wake_slug(slug)

    def wake_slug(self, slug: str) -> None:
        tenant = registry.get(slug)
        if tenant is None or not tenant.is_active:
            logger.info("wake-up for %s ignored: no active tenant", slug)
            return
        self._wake(tenant.id, slug)

    def wake_all(self) -> None:
        # Django's own connection to the platform may be stale after a server restart.
        close_old_connections()
        ids = active_tenant_ids()
        for tenant_id in ids:
            self._wake(tenant_id, str(tenant_id))
        logger.info("woke %d active tenant(s) after connecting", len(ids))

    def _wake(self, tenant_id: uuid.UUID, label: str) -> None:
        started = time.perf_counter()
        queued = wake(tenant_id)
        self.woken += int(queued)
        logger.debug("%s: %s (%.1f ms)", label, "drain queued" if queued else "drain waiting",
                     (time.perf_counter() - started) * 1000)  # fmt: skip
