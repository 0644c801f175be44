from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from platform_app.selectors import tenant_list
from platform_app.services import check_tenants
from platform_app.services.consistency import tenants_check

from ._common import table


class Command(BaseCommand):
    help = (
        "List tenants: slug, name, template, plan, status, database, migration state.\n\n"
        "Examples:\n"
        "  manage.py list_tenants\n"
        "  manage.py list_tenants --status suspended\n"
        "  manage.py list_tenants --migrations     # also count pending migrations per tenant\n"
        "  manage.py list_tenants --check          # what a crash left: exit 1 if anything"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--status", default=None, help="only tenants with this status")
        parser.add_argument(
            "--migrations", action="store_true", help="add the number of pending migrations"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="also report stale provisionings, orphan databases and missing databases",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = list(tenant_list(status=options["status"]))
        header: tuple[str, ...] = (
            "SLUG", "NAME", "TEMPLATE", "PLAN", "STATUS", "DATABASE", "MIGRATIONS",
        )  # fmt: skip
        pending: dict[str, str] = {}
        if options["migrations"]:
            header = (*header, "PENDING")
            live = [t for t in tenants if t.status in ("active", "suspended")]
            for check in check_tenants(live):
                pending[check.tenant.slug] = "?" if check.error else str(len(check.pending))
        rows = []
        for t in tenants:
            row: tuple[Any, ...] = (
                t.slug, t.name, t.template, t.plan.code if t.plan else "-", t.status,
                t.db_name, t.migration_state,
            )  # fmt: skip
            if options["migrations"]:
                row = (*row, pending.get(t.slug, "-"))
            rows.append(row)
        for line in table(rows, header):
            self.stdout.write(line)
        self.stdout.write(f"{len(rows)} tenant(s)")
        if options["check"]:
            self._check()

    def _check(self) -> None:
        report = tenants_check()
        for tenant in report.stale_provisioning:
            self.stdout.write(
                f"stale provisioning: {tenant.slug} (since {tenant.created_at:%Y-%m-%d %H:%M} "
                f"UTC): manage.py delete_tenant {tenant.slug} removes it"
            )
        for server, name in report.orphan_databases:
            self.stdout.write(f"orphan database: {name} on {server} (no tenant row names it)")
        for tenant in report.missing_databases:
            self.stdout.write(f"missing database: {tenant.db_name} of {tenant.slug}")
        if report.clean:
            self.stdout.write("check: nothing left behind")
            return
        raise SystemExit(1)
