from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from platform_app.selectors import tenant_list


class Command(BaseCommand):
    help = "List tenants: slug, name, template, plan, status, database, migration state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--status", default=None, help="only tenants with this status")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [
            (
                t.slug,
                t.name,
                t.template,
                t.plan.code if t.plan else "-",
                t.status,
                t.db_name,
                t.migration_state,
            )
            for t in tenant_list(status=options["status"])
        ]
        header = ("SLUG", "NAME", "TEMPLATE", "PLAN", "STATUS", "DATABASE", "MIGRATIONS")
        widths = [max(len(str(v)) for v in col) for col in zip(header, *rows, strict=False)]
        for row in (header, *rows):
            self.stdout.write(
                "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
        self.stdout.write(f"{len(rows)} tenant(s)")
