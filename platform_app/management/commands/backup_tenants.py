from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from platform_app.models import Tenant
from platform_app.services import backups_prune, tenant_backup

from ._common import bad_input, progress


class Command(BaseCommand):
    help = (
        "Back up every active and suspended tenant, in parallel, and keep only the newest N "
        "backups of each. Exits 1 if any backup failed (the others are kept).\n\n"
        "Run it daily, e.g. from cron:\n"
        "  15 2 * * *  cd /srv/dockpulse && .venv/bin/python manage.py \\\n"
        "                backup_tenants --all --keep 14\n\n"
        "Examples:\n"
        "  manage.py backup_tenants --all --parallel 4 --keep 7"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", required=True, help="every tenant")
        parser.add_argument("--parallel", type=int, default=2)
        parser.add_argument("--keep", type=int, default=None, help="newest backups kept per tenant")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["parallel"] < 1 or (options["keep"] is not None and options["keep"] < 1):
            raise bad_input("--parallel and --keep must be at least 1")
        slugs = list(
            Tenant.objects.filter(status__in=["active", "suspended"])
            .order_by("slug")
            .values_list("slug", flat=True)
        )
        failed = []
        with (
            progress(len(slugs), self.stdout) as bar,
            ThreadPoolExecutor(max_workers=options["parallel"]) as pool,
        ):
            futures = {pool.submit(tenant_backup, slug=slug): slug for slug in slugs}
            for future in as_completed(futures):
                slug = futures[future]
                bar.update(1)
                try:
                    backup = future.result()
                except Exception as exc:  # report every tenant, carry on
                    failed.append(slug)
                    self.stdout.write(f"{slug}: FAILED {exc}")
                    continue
                line = f"{slug}: {backup.location} {backup.size} bytes sha256 {backup.sha256}"
                if options["keep"]:
                    removed = backups_prune(slug, options["keep"])
                    if removed:
                        line += f" (removed {len(removed)} old)"
                self.stdout.write(line)
        self.stdout.write(f"{len(slugs)} tenant(s), {len(failed)} failed")
        if failed:
            raise CommandError(f"failed: {', '.join(sorted(failed))}", returncode=1)
