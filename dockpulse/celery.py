"""The Celery app (Redis broker) and the tenant task base class (docs/events.md, "Celery").

A tenant task's first argument is its tenant's id. Custom headers have been lost on retry
in several Celery releases; a positional argument is re-sent by `retry()` as it is, so the
tenant survives retries. The base class resolves the id, refuses a task without one, and
runs the body inside that tenant's context: every query goes to that tenant's database and
nowhere else.
"""

from __future__ import annotations

import logging
import os
import random
from typing import Any

from celery import Celery, Task, signals
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dockpulse.settings")

logger = logging.getLogger("dockpulse.tasks")

QUEUES = ("events", "notifications", "webhooks", "maintenance")

app = Celery("dockpulse")
app.config_from_object("django.conf:settings", namespace="CELERY")
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
