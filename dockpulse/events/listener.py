"""The event listener: one direct LISTEN connection on the platform database.

Each committed tenant transaction with events sends `pg_notify('dockpulse_events', slug)`.
The listener gathers the wake-ups that arrive together, merges them per tenant, and queues
one drain per tenant (`delivery.wake`, which also skips tenants whose drain is already
waiting). NOTIFY is lost while nobody listens, so on every (re)connect it wakes every active
tenant once: the drains find whatever was committed meanwhile.

Outages (docs/operations.md, "What happens when ... is down"):
- PostgreSQL restarts: the LISTEN connection breaks; reconnecting backs off from 0.5 s to
  at most RECONNECT_MAX_SECONDS, so the listener is back within about that long of the
  server, and then wakes every tenant (NOTIFY sent meanwhile went to nobody).
- Redis (the broker) is down: a wake-up cannot be queued. The listener keeps listening
  (the wake-ups keep arriving; only queueing them fails), tries the broker again once a
  second, and when it answers wakes every active tenant, clearing their "drain waiting"
  marks first: a mark set just before the broker failed would otherwise hold back that
  tenant's drains for a minute. The sweep would find the events too, but only after its
  grace and period (40 s); the listener's catch-up is within a second of the broker.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

import psycopg
from django.db import close_old_connections

from dockpulse.outages import BROKER_ERRORS
from dockpulse.tenancy import dbadmin
from dockpulse.tenancy.directory import active_tenant_ids
from dockpulse.tenancy.registry import registry

from .bridge import CHANNEL
from .delivery import clear_wake, wake

logger = logging.getLogger("dockpulse.events.listener")

# After the first wake-up, how long to gather others before queueing (seconds).
MERGE_WINDOW = 0.002
# Reconnect delays double from 0.5 s up to this: a restarted server is seen within it.
RECONNECT_MAX_SECONDS = 2.0
# While the broker is down, how often to try it again (seconds).
BROKER_RETRY_SECONDS = 1.0


class Listener:
    def __init__(self, *, max_backoff: float = RECONNECT_MAX_SECONDS) -> None:
        self.max_backoff = max_backoff
        self.stopping = threading.Event()
        self.woken = 0
        # Set while the broker refuses wake-ups: when (time.monotonic()) it last failed.
        self.broker_failed_at: float | None = None

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
                    self.wake_all(after_broker_outage=self.broker_failed_at is not None)
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
            if self.broker_failed_at is not None:
                # Every tenant is woken once the broker is back: these wake-ups (and
                # those that failed) are part of that.
                self.retry_broker()
                continue
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

    def wake_all(self, *, after_broker_outage: bool = False) -> None:
        # Django's own connection to the platform may be stale after a server restart.
        close_old_connections()
        ids = active_tenant_ids()
        for tenant_id in ids:
            if not self._wake(tenant_id, str(tenant_id), clear=after_broker_outage):
                return  # the broker is (still) down: all of them again when it is back
        self.broker_failed_at = None
        when = "after the broker came back" if after_broker_outage else "after connecting"
        logger.info("woke %d active tenant(s) %s", len(ids), when)

    def retry_broker(self) -> None:
        """While the broker is down: every BROKER_RETRY_SECONDS, wake every tenant again
        (which ends the outage when it succeeds)."""
        failed_at = self.broker_failed_at
        if failed_at is not None and time.monotonic() - failed_at >= BROKER_RETRY_SECONDS:
            self.wake_all(after_broker_outage=True)

    def _wake(self, tenant_id: uuid.UUID, label: str, *, clear: bool = False) -> bool:
        """Queue the tenant's drain; False (and the outage noted) if the broker refused.

        `clear`: drop the tenant's "drain waiting" mark first (after a broker outage the
        mark may have been set by a wake-up whose task never reached the queue)."""
        started = time.perf_counter()
        try:
            if clear:
                clear_wake(tenant_id)
            queued = wake(tenant_id)
        except BROKER_ERRORS as exc:
            self._broker_failed(exc)
            return False
        self.woken += int(queued)
        logger.debug("%s: %s (%.1f ms)", label, "drain queued" if queued else "drain waiting",
                     (time.perf_counter() - started) * 1000)  # fmt: skip
        return True

    def _broker_failed(self, exc: BaseException) -> None:
        if self.broker_failed_at is None:
            logger.warning("broker unavailable (%s: %s); wake-ups wait, every tenant is "
                           "woken when it is back", type(exc).__name__, exc)  # fmt: skip
        self.broker_failed_at = time.monotonic()
