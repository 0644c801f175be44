from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from platform_app.selectors import tenants_to_migrate
from platform_app.services import template_migrate, tenant_migrate


class Command(BaseCommand):
    help = (
        "Migrate the template database (first, as a canary: stop if it fails), then every "
        "tenant. Continues past a failing tenant, records each tenant's state and exits 1 "
        "if any failed.\n\nExample: manage.py migrate_tenants --tenant acme --tenant demo"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", action="append", default=[], help="only this slug")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            template_migrate()
        except Exception as exc:
            raise CommandError(f"template: {exc}; no tenant was touched") from exc
        self.stdout.write("template: migrated")
        tenants = tenants_to_migrate()
        if options["tenant"]:
            tenants = tenants.filter(slug__in=options["tenant"])
        failed = []
        for tenant in tenants:
            ok = tenant_migrate(tenant)
            if not ok:
                failed.append(tenant.slug)
            self.stdout.write(f"{tenant.slug}: {'migrated' if ok else 'FAILED'}")
        total = time.perf_counter() - started
        self.stdout.write(f"{len(tenants)} tenant(s), {len(failed)} failed, {total:.1f} s")
        if failed:
            raise CommandError(f"failed: {', '.join(failed)}", returncode=1)
