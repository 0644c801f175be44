from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from platform_app.services import BackupError, tenant_backup

from ._common import bad_input, validation_error_line


class Command(BaseCommand):
    help = (
        "Back up one tenant: pg_dump (custom format) of its database plus its stored files, "
        "in one tar archive. Prints the location, size and SHA-256.\n\n"
        "Examples:\n"
        "  manage.py backup_tenant acme         # to the backups storage (var/backups/acme/)\n"
        "  manage.py backup_tenant acme --output /srv/acme.tar"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--output", default=None, help="a file or folder on this machine")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup = tenant_backup(slug=options["slug"], output=options["output"])
        except ValidationError as exc:
            raise validation_error_line(exc) from exc
        except (BackupError, OSError) as exc:
            raise bad_input(str(exc)) from exc
        self.stdout.write(f"location: {backup.location}")
        self.stdout.write(f"size: {backup.size} bytes")
        self.stdout.write(f"sha256: {backup.sha256}")
