from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.directory import active_tenant_ids
from dockpulse.tenancy.registry import registry
from tenant_apps.sales.services.quotes import quotes_expire


class Command(BaseCommand):
    help = (
        "Mark sent quotes whose validity date has passed as expired, for one tenant or for "
        "every active one (beat runs the same service every hour).\n\n"
        "Examples:\n  manage.py expire_quotes\n  manage.py expire_quotes --tenant acme"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="SLUG", help="only this tenant")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tenant"]:
            slugs = [options["tenant"]]
        else:
            found = (registry.get_by_id(tenant_id) for tenant_id in active_tenant_ids())
            slugs = sorted(info.slug for info in found if info is not None)
        total = 0
        for slug in slugs:
            tenant = registry.get(slug)
            if tenant is None or not tenant.is_active:
                raise CommandError(f"no active tenant {slug}", returncode=2)
            with tenant_context(tenant):
                count = quotes_expire()
            total += count
            self.stdout.write(f"{slug}: {count} quote(s) expired")
        self.stdout.write(f"{total} quote(s) expired in {len(slugs)} tenant(s)")
