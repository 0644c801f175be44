"""Usage figures of the tenants, gathered into `tenant_usage` (docs/platform.md, "Tenants").

The tenants list shows hundreds of tenants at once; asking each tenant database per
request would make the page as slow as its slowest tenant times the count. A periodic
task (`platform.usage_gather_all`, every 15 minutes) and the "Refresh figures" button
write one row per tenant instead, and the list reads that one table.

Each tenant's figures are a handful of indexed queries in its own database (counts, the
newest event, the open outbox); database sizes come from one `pg_database` query per
server for all its tenants, the last backup from the backups storage's listing. A tenant
that fails (its database gone, a server down) gets its error written on its row and the
rest go on: one broken tenant must not blank the whole list.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy import dbadmin, tenant_context
from platform_app.directory import info_from_model
from platform_app.models import Tenant, TenantUsage
from platform_app.selectors import tenants_to_migrate

from .audit import audit
from .backups import backup_list

logger = logging.getLogger(__name__)

# `<slug>/<slug>-<UTC time>.tar` (services.backups.backup): the time is in the name, so
# the last backup needs no stat of the file (a HEAD request per file on S3).
_BACKUP_STAMP = re.compile(r"-(\d{8}T\d{6}\d{6})Z\.tar$")
_Server = tuple[str, int | None]


@dataclass(frozen=True, slots=True)
class TenantFigures:
    """What one tenant's own database says about it."""

    users: int
    customers: int
    orders_this_month: int
    last_activity_at: datetime | None
    undelivered_events: int
    oldest_undelivered_at: datetime | None
    failed_deliveries: int


def _month_start(time_zone: str) -> datetime:
    """The first moment of the current month in the tenant's time zone."""
    try:
        zone = ZoneInfo(time_zone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    now = timezone.now().astimezone(zone)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def tenant_figures(*, tenant: Tenant) -> TenantFigures:
    """Count in the tenant's database (every query uses an index or is a plain count)."""
    # Imported here: the platform reads tenant tables only in this function.
    from dockpulse.events.models import EventDelivery, EventLog
    from tenant_apps.accounts.models import User
    from tenant_apps.customers.models import Customer
    from tenant_apps.sales.models import Order

    open_statuses = [EventDelivery.Status.PENDING, EventDelivery.Status.RETRY]
    with tenant_context(info_from_model(tenant)):
        # Not yet handed to the bus (partial index idx_event_log_undispatched) ...
        undispatched = EventLog.objects.filter(dispatched_at__isnull=True).aggregate(
            oldest=Min("created_at")
        )
        undispatched_count = EventLog.objects.filter(dispatched_at__isnull=True).count()
        # ... or handed over with a handler still to run (idx_event_deliveries_open). The
        # two sets do not overlap: delivery rows are written when the event is claimed.
        open_deliveries = EventDelivery.objects.filter(status__in=open_statuses)
        waiting = open_deliveries.aggregate(oldest=Min("event__created_at"))
        waiting_count = open_deliveries.values("event_id").distinct().count()
        oldest = [t for t in (undispatched["oldest"], waiting["oldest"]) if t is not None]
        return TenantFigures(
            users=User.objects.filter(is_active=True).count(),
            customers=Customer.objects.count(),
            orders_this_month=Order.objects.filter(
                created_at__gte=_month_start(tenant.time_zone)
            ).count(),
            # Every write of the tenant's staff and customers leaves an event.
            last_activity_at=EventLog.objects.order_by("-created_at")
            .values_list("created_at", flat=True)
            .first(),
            undelivered_events=undispatched_count + waiting_count,
            oldest_undelivered_at=min(oldest) if oldest else None,
            failed_deliveries=EventDelivery.objects.filter(
                status=EventDelivery.Status.FAILED
            ).count(),
        )


def database_sizes(tenants: Iterable[Tenant]) -> dict[str, int]:
    """Sizes in bytes by database name: one query per database server."""
    by_server: dict[_Server, list[str]] = defaultdict(list)
    for tenant in tenants:
        by_server[(tenant.db_host, tenant.db_port)].append(tenant.db_name)
    sizes: dict[str, int] = {}
    for (host, port), names in by_server.items():
        try:
            with dbadmin.admin_connection(host, port) as conn:
                rows = conn.execute(
                    "SELECT datname, pg_database_size(datname) FROM pg_database"
                    " WHERE datname = ANY(%s)",
                    [names],
                ).fetchall()
        except Exception:
            # A server that is down: its tenants' own queries fail and say so on their rows.
            logger.warning("database sizes: server %s:%s unreachable", host, port, exc_info=True)
            continue
        sizes.update({str(name): int(size) for name, size in rows})
    return sizes


def last_backup_at(slug: str) -> datetime | None:
    names = backup_list(slug)
    for name in reversed(names):
        match = _BACKUP_STAMP.search(name)
        if match:
            return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    return None


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


def tenant_usage_gather(*, tenant: Tenant, sizes: dict[str, int] | None = None) -> TenantUsage:
    """Gather one tenant's figures into its TenantUsage row and return the row.

    Never raises for the tenant's own failures: the error goes to `error` and the figures
    of the last successful gathering stay (with their `gathered_at`, so the page shows
    how old they are). `sizes`: database sizes already read for many tenants at once.
    """
    try:
        figures = tenant_figures(tenant=tenant)
        if sizes is None:
            sizes = database_sizes([tenant])
        backup_at = last_backup_at(tenant.slug)
    except Exception as exc:
        logger.warning("usage of %s not gathered", tenant.slug, exc_info=True)
        # A database that refused us (gone, server down) must not stay registered: every
        # later walk over the connections (the test runner's, Django's close_old_connections)
        # would try it again.
        tenant_connections.forget(info_from_model(tenant).alias)
        with transaction.atomic(using="default"):
            usage, _ = TenantUsage.objects.update_or_create(
                tenant=tenant, defaults={"error": _error_text(exc)}
            )
        return usage
    values = {
        **asdict(figures),
        "db_size_bytes": sizes.get(tenant.db_name, 0),
        "last_backup_at": backup_at,
        "gathered_at": timezone.now(),
        "error": "",
    }
    with transaction.atomic(using="default"):
        usage, _ = TenantUsage.objects.update_or_create(tenant=tenant, defaults=values)
    return usage


def usage_gather_all() -> int:
    """Gather every tenant whose database exists; returns how many were gathered
    without an error."""
    tenants = list(tenants_to_migrate().select_related("plan"))
    sizes = database_sizes(tenants)
    gathered = 0
    for tenant in tenants:
        usage = tenant_usage_gather(tenant=tenant, sizes=sizes)
        gathered += not usage.error
    return gathered


def usage_refresh(*, tenant: Tenant, actor: str) -> TenantUsage:
    """An admin's "Refresh figures" on one tenant: gathered now, audited."""
    audit(tenant, "platform.usage_refreshed", actor, scope=tenant.slug)
    return tenant_usage_gather(tenant=tenant)


def usage_refresh_all(*, actor: str, enqueue: Callable[[], object]) -> None:
    """An admin's "Refresh figures" on the list: `enqueue` (the task's delay, passed in
    because the tasks import this module) runs once the audit row is committed."""
    with transaction.atomic(using="default"):
        audit(None, "platform.usage_refreshed", actor, scope="all")
        transaction.on_commit(enqueue, using="default")
