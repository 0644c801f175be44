from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from platform_app.services import tenant_resume

from ._common import validation_error_line


class Command(BaseCommand):
    help = (
        "Resume a suspended tenant: every process serves it again from its next request on.\n\n"
        "Example: manage.py resume_tenant acme"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant_resume(slug=options["slug"], actor="cli")
        except ValidationError as exc:
            raise validation_error_line(exc) from exc
        self.stdout.write(f"Resumed {options['slug']}.")
