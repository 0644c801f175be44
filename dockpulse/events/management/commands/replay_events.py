from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from dockpulse.events.handlers import all_handlers
from dockpulse.events.replay import replay
from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.registry import registry


def _when(raw: str) -> dt.datetime:
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise CommandError(f"--since: {raw!r} is not a date or time", returncode=2)
        moment = dt.datetime.combine(day, dt.time.min)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


class Command(BaseCommand):
    help = (
        "Run the event handlers again for a tenant's stored events (idempotent handlers: "
        "done work is not doubled).\n\nExamples:\n"
        "  manage.py replay_events acme --since 2026-11-30\n"
        "  manage.py replay_events acme --type order.created --handler customers.timeline"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--since", help="ISO date or time (UTC unless it says otherwise)")
        parser.add_argument("--type", dest="event_type", default="", help="one event type")
        parser.add_argument("--handler", default="", help="one handler by name")
        parser.add_argument("--dry-run", action="store_true", help="count only")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = registry.get(options["slug"])
        if tenant is None or not tenant.is_active:
            raise CommandError(f"no active tenant {options['slug']}", returncode=2)
        names = {h.name for h in all_handlers()}
        if options["handler"] and options["handler"] not in names:
            raise CommandError(
                f"unknown handler {options['handler']} (known: {', '.join(sorted(names))})",
                returncode=2,
            )
        since = _when(options["since"]) if options["since"] else None
        with tenant_context(tenant):
            result = replay(
                since=since,
                event_type=options["event_type"],
                handler_name=options["handler"],
                dry_run=options["dry_run"],
            )
        verb = "would run" if options["dry_run"] else "ran"
        self.stdout.write(
            f"{tenant.slug}: {verb} {result.runs} handler(s) for {result.events} event(s), "
            f"{result.failures} failed"
        )
        if result.failures:
            raise CommandError(f"{result.failures} handler run(s) failed", returncode=1)
