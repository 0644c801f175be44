from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from platform_app.selectors import tenants_to_migrate
from platform_app.services import check_tenants, migrate_many, template_migrate
from platform_app.services.migrations import MigrationResult

from ._common import bad_input, progress, table


class Command(BaseCommand):
    help = (
        "Migrate the template database first (a canary: nothing else is touched if it fails), "
        "then every active or suspended tenant in parallel processes. A tenant already up to "
        "date is skipped in milliseconds. Each tenant's state (migrated to, when, last error) "
        "is recorded on its row. Continues past a failing tenant, which is fenced off (its host "
        "answers a maintenance page, its tasks wait) until a later run migrates it; exits 0 "
        "so that the others are served (1 with --strict). A failing template exits 1.\n\n"
        "Examples:\n"
        "  manage.py migrate_tenants\n"
        "  manage.py migrate_tenants --parallel 8\n"
        "  manage.py migrate_tenants --tenant acme --tenant demo\n"
        "  manage.py migrate_tenants --plan        # what each tenant would apply\n"
        "  manage.py migrate_tenants --strict      # exit 1 if any tenant failed"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", action="append", default=[], help="only this slug")
        parser.add_argument(
            "--parallel", type=int, default=os.cpu_count() or 2, help="worker processes"
        )
        parser.add_argument("--plan", action="store_true", help="list, apply nothing")
        parser.add_argument(
            "--strict", action="store_true", help="exit 1 if any tenant failed (default: 0)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["parallel"] < 1:
            raise bad_input("--parallel must be at least 1")
        tenants = list(tenants_to_migrate())
        if options["tenant"]:
            known = {t.slug for t in tenants}
            unknown = sorted(set(options["tenant"]) - known)
            if unknown:
                raise bad_input(f"no active or suspended tenant {', '.join(unknown)}")
            tenants = [t for t in tenants if t.slug in options["tenant"]]
        try:
            template_pending = template_migrate(plan_only=options["plan"])
        except Exception as exc:
            raise CommandError(f"template: {exc}; no tenant was touched") from exc
        checks = check_tenants(tenants)
        if options["plan"]:
            self._print_plan(template_pending, checks)
            return
        done = f"migrated {len(template_pending)}" if template_pending else "up to date"
        self.stdout.write(f"template: {done}")
        with progress(len(checks), self.stdout) as bar:

            def report(result: MigrationResult) -> None:
                bar.update(1)
                if bar.disable and result.status != "skipped":
                    self.stdout.write(self._line(result))

            results = migrate_many(checks, parallel=options["parallel"], on_result=report)
        counts = {s: sum(r.status == s for r in results) for s in ("migrated", "skipped", "failed")}
        noteworthy = sorted((r for r in results if r.status != "skipped"), key=lambda r: r.slug)
        if noteworthy:
            rows = [
                (r.slug, r.status, len(r.applied), f"{r.seconds:.2f}", r.error[:100])
                for r in noteworthy
            ]
            for line in table(rows, ("TENANT", "RESULT", "APPLIED", "SECONDS", "ERROR")):
                self.stdout.write(line)
        self.stdout.write(
            f"{len(results)} tenant(s): {counts['migrated']} migrated, {counts['skipped']} "
            f"up to date, {counts['failed']} failed in {time.perf_counter() - started:.2f} s"
        )
        if counts["failed"]:
            failed = ", ".join(r.slug for r in noteworthy if r.status == "failed")
            message = f"failed: {failed} (fenced off: a maintenance page until a run migrates them)"
            if options["strict"]:
                raise CommandError(message, returncode=1)
            self.stderr.write(message)

    @staticmethod
    def _line(result: MigrationResult) -> str:
        if result.status == "failed":
            return f"{result.slug}: FAILED {result.error}"
        return f"{result.slug}: migrated ({len(result.applied)} applied, {result.seconds:.2f} s)"

    def _print_plan(self, template_pending: list[tuple[str, str]], checks: list[Any]) -> None:
        self.stdout.write(f"template: {len(template_pending)} to apply")
        for app, name in template_pending:
            self.stdout.write(f"  {app}.{name}")
        for check in sorted(checks, key=lambda c: c.tenant.slug):
            if check.error:
                self.stdout.write(f"{check.tenant.slug}: cannot read ({check.error})")
                continue
            self.stdout.write(f"{check.tenant.slug}: {len(check.pending)} to apply")
            for app, name in check.pending:
                self.stdout.write(f"  {app}.{name}")
