from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from platform_app.selectors import tenant_list
from platform_app.services import check_tenants

from ._common import table


class Command(BaseCommand):
    help = (
        "List tenants: slug, name, template, plan, status, database, migration state.\n\n"
        "Examples:\n"
        "  manage.py list_tenants\n"
        "  manage.py list_tenants --status suspended\n"
        "  manage.py list_tenants --migrations     # also count pending migrations per tenant"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--status", default=None, help="only tenants with this status")
        parser.add_argument(
            "--migrations", action="store_true", help="add the number of pending migrations"
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
