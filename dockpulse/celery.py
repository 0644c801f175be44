"""The Celery app (Redis broker) and the tenant task base class (docs/events.md, "Celery").

A tenant task's first argument is its tenant's id. Custom headers have been lost on retry
in several Celery releases; a positional argument is re-sent by `retry()` as it is, so the
tenant survives retries. The base class resolves the id, refuses a task without one, and
runs the body inside that tenant's context: every query goes to that tenant's database and
nowhere else.
"""

from __future__ import annotations

import functools
import logging
import os
import random
from typing import Any

from celery import Celery, Task, signals
from celery.worker.consumer import Consumer as CeleryConsumer
from kombu import Queue

from dockpulse.outages import database_unavailable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dockpulse.settings")

logger = logging.getLogger("dockpulse.tasks")

QUEUES = ("events", "notifications", "webhooks", "maintenance")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


class PeriodicTask(Task):
    """Opt-in base of beat's periodic platform tasks (the fan-outs, the sweep, the
    reconcile): with the database unavailable (a restart) such a run is skipped with one
    warning instead of a traceback per period -- the next period does the same work, and
    the work is idempotent. Not the default: any other task (one sent by a button, one
    that is not idempotent) must fail visibly instead of "succeeding" with None."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            if not database_unavailable(exc) or self.request.called_directly:
                raise
            from dockpulse.tenancy.connections import close_old_connections

            close_old_connections()  # the broken connection goes; the next run reconnects
            logger.warning("%s skipped: database unavailable (%s: %s)", self.name,
                           type(exc).__name__, _first_line(exc))  # fmt: skip
            return None


def _keep_unacked(connection: Any) -> None:
    """Tell each channel of a lost broker connection not to push its unacknowledged
    messages back to the queues when it closes. Those are the tasks running right now:
    restored while Redis is reachable (an idle-timeout kill, CLIENT KILL, a blip), they
    would be delivered again and run a second time beside the first. Left alone, each is
    acknowledged when it finishes, or restored by Redis's visibility timeout if that fails."""
    transport = getattr(connection, "_transport", None)  # never create one here
    for channel in getattr(transport, "channels", None) or ():
        qos = getattr(channel, "_qos", None)
        if qos is not None:
            qos.restore_at_shutdown = False


class Consumer(CeleryConsumer):
    """Celery's consumer, surviving the loss of a Redis broker (docs/operations.md).

    On a lost broker connection Celery 5.7 first "collects" the connection, which
    detaches its transport, and then closes it. With Redis, whatever touches a channel of
    that connection afterwards -- closing it while it holds the remote-control queue or
    unacknowledged messages, or acknowledging a task that was running meanwhile -- asks
    the detached transport for Redis's address and raises AttributeError, which nothing
    expects: "Unrecoverable error", and the worker exits. Here the connection is closed
    without collecting it first (errors of a dead connection ignored) and without pushing
    the running tasks' messages back to the queue, so a late acknowledgement reaches Redis
    once it is back and no task runs twice because of the reconnect, and the consumer
    reconnects (forever: CELERY_BROKER_CONNECTION_MAX_RETRIES) every 0.5-2 s. The running
    tasks are left to finish (worker_cancel_long_running_tasks_on_connection_loss is not
    used)."""

    def ensure_connected(self, conn: Any) -> Any:
        """Kombu's default delays between attempts grow 2, 4, 6 ... to 30 s: after a long
        outage the worker could come back half a minute after Redis. Every 0.5-2 s
        instead (one log line per attempt)."""
        conn.ensure_connection = functools.partial(
            conn.ensure_connection, interval_start=0.5, interval_step=0.5, interval_max=2.0
        )
        try:
            return super().ensure_connected(conn)
        finally:
            del conn.ensure_connection  # the class's method again

    def on_connection_error_after_connected(self, exc: Exception) -> None:
        """Celery's own handler (it bounds the open sockets' timeouts first, so closing a
        socket that went silent cannot hang the worker, and it lowers the prefetch count
        while tasks are running), with its collect() replaced: the channels are told to
        keep their unacknowledged messages (`_keep_unacked`) and the connection is then
        closed, any error of the dead connection ignored."""
        connection = getattr(self, "connection", None)  # Celery's consumer is untyped
        if connection is None:
            return super().on_connection_error_after_connected(exc)
        close = connection.close

        def collect(*args: Any, **kwargs: Any) -> None:
            _keep_unacked(connection)

        def close_quietly() -> None:
            try:
                close()
            except Exception as error:  # a dead connection: nothing more to release
                logger.debug("closing the lost broker connection: %r", error)

        connection.collect, connection.close = collect, close_quietly
        try:
            super().on_connection_error_after_connected(exc)
        finally:
            del connection.collect, connection.close  # the class's methods again


app = Celery("dockpulse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.worker_consumer = f"{__name__}:Consumer"
app.conf.task_queues = [Queue(name) for name in QUEUES]
# Every installed app's `tasks` module, found through Django's app registry: a new app's
# tasks need no line here.
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _tidy_connections(**kwargs: Any) -> None:
    """A task is a request: the same connection policy (docs/tenancy.md, "Connections"). Celery's
    own Django fix-up would close every connection around every task (a new tenant connection
    per task: 5 ms each, 20% of a drain's time here), so settings.py tells it not to
    (CELERY_DB_REUSE_MAX) and this closes only broken or expired ones, as requests do."""
    from dockpulse.tenancy.connections import close_old_connections

    close_old_connections()


# A tenant task that finds the database unavailable is retried this many times, after
# 1, 2, 4 ... seconds (jittered) up to DATABASE_RETRY_CAP: a few minutes in all.
DATABASE_RETRIES = 12
DATABASE_RETRY_CAP = 30.0


class MissingTenant(RuntimeError):
    """A tenant task arrived without a tenant id, or with one that names no tenant."""


def backoff(attempt: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Seconds before retry `attempt` (1, 2, ...): exponential, capped, with full jitter so
    that a failing provider is not hit by every retry in the same second."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security


class TenantTask(Task):
    """Base class of every task that touches a tenant: `task.delay(tenant_id, ...)`."""

    abstract = True
    # Only idempotent tasks use this base: a redelivered message must be harmless.
    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._run_in_tenant(*args, **kwargs)
        except Exception as exc:
            if not database_unavailable(exc) or self.request.called_directly:
                raise
            # PostgreSQL restarting: the task's transaction rolled back (a drain's events
            # are still undispatched), so running it again soon is safe -- these tasks are
            # idempotent. Two claim their row in a transaction of its own first and see
            # it claimed on the retry: a report export takes its own claim back (its run
            # token, tenant_apps/reports/exports/services.py); a notification send finds
            # its row "sending" and does nothing, and the sweep sends it again once that
            # claim is stale (at least once, with the provider's idempotency key). The
            # broken connection is closed now, so the retry connects afresh. Past
            # DATABASE_RETRIES the error stands and the sweep picks the work up later.
            from dockpulse.tenancy.connections import close_old_connections

            close_old_connections()
            attempt = self.request.retries + 1
            logger.warning(
                "%s: database unavailable (%s: %s); retry %d of %d",
                self.name, type(exc).__name__, _first_line(exc), attempt, DATABASE_RETRIES,
            )  # fmt: skip
            raise self.retry(
                exc=exc,
                countdown=backoff(attempt, base=1.0, cap=DATABASE_RETRY_CAP),
                max_retries=DATABASE_RETRIES,
            ) from exc

    def _run_in_tenant(self, *args: Any, **kwargs: Any) -> Any:
        from dockpulse.tenancy import tenant_context
        from dockpulse.tenancy.registry import registry

        tenant_id = args[0] if args else kwargs.get("tenant_id")
        if not tenant_id:
            raise MissingTenant(f"{self.name} was sent without its tenant id")
        try:
            tenant = registry.get_by_id(str(tenant_id))
        except ValueError as exc:
            raise MissingTenant(f"{self.name}: {tenant_id!r} is not a tenant id") from exc
        if tenant is None:
            raise MissingTenant(f"{self.name}: no tenant {tenant_id}")
        if not tenant.is_active:
            # Suspended: nothing runs; the sweep picks the work up after resume.
            logger.info("%s skipped: tenant %s is %s", self.name, tenant.slug, tenant.status)
            return None
        with tenant_context(tenant):
            return super().__call__(*args, **kwargs)
