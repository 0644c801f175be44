from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from platform_app.services import tenant_suspend

from ._common import validation_error_line


class Command(BaseCommand):
    help = (
        "Suspend a tenant: every process serves the 'account suspended' page (HTTP 403) from "
        "its next request on; data and logins are kept.\n\n"
        "Example: manage.py suspend_tenant acme --reason 'unpaid invoice 2026/11'"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--reason", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant_suspend(slug=options["slug"], reason=options["reason"], actor="cli")
        except ValidationError as exc:
            raise validation_error_line(exc) from exc
        self.stdout.write(f"Suspended {options['slug']}.")
