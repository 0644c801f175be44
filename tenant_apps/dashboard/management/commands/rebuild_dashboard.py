from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date

from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.directory import active_tenant_ids
from dockpulse.tenancy.registry import registry
from tenant_apps.dashboard.services import daily_sales_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's daily aggregates from the orders, for one tenant or for "
        "every active one (after bulk inserts, a time zone change, or to repair them). "
        "Idempotent.\n\n"
        "Examples:\n"
        "  manage.py rebuild_dashboard acme\n"
        "  manage.py rebuild_dashboard acme --since 2026-11-01\n"
        "  manage.py rebuild_dashboard --all"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="the tenant (or --all)")
        parser.add_argument("--all", action="store_true", help="every active tenant")
        parser.add_argument(
            "--since", metavar="DATE", help="only the tenant days from this ISO date on"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug, every = options["slug"], options["all"]
        if bool(slug) == bool(every):
            raise CommandError("name one tenant or pass --all", returncode=2)
        since = _date(options["since"]) if options["since"] else None
        if every:
            found = (registry.get_by_id(tenant_id) for tenant_id in active_tenant_ids())
            slugs = sorted(info.slug for info in found if info is not None)
        else:
            slugs = [slug]
        for name in slugs:
            tenant = registry.get(name)
            if tenant is None or not tenant.is_active:
                raise CommandError(f"no active tenant {name}", returncode=2)
            with tenant_context(tenant):
                days = daily_sales_rebuild(since=since)
            self.stdout.write(f"{tenant.slug}: {days} day(s) with orders rebuilt")
        if every:
            self.stdout.write(f"{len(slugs)} tenant(s) rebuilt")


def _date(raw: str) -> dt.date:
    try:
        day = parse_date(raw)
    except ValueError:  # well formed but impossible, e.g. 2026-02-30
        day = None
    if day is None:
        raise CommandError(f"--since: {raw!r} is not a date (YYYY-MM-DD)", returncode=2)
    return day
