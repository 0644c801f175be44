from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from platform_app.services import BackupError, tenant_restore

from ._common import bad_input, validation_error_line


class Command(BaseCommand):
    help = (
        "Restore a tenant backup into a fresh database, migrate it if the backup is older, "
        "verify it (checksum, row counts, migrations), then switch the tenant to it. The "
        "tenant is suspended while switching; every process drops its old connections. "
        "An existing active or suspended tenant is replaced only with --force.\n\n"
        "BACKUP is a file on this machine or a name in the backups storage "
        "(as backup_tenant printed it).\n\n"
        "Examples:\n"
        "  manage.py restore_tenant acme acme/acme-20261124T021500000000Z.tar --force\n"
        "  manage.py restore_tenant acme /srv/acme.tar --as acme-copy"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the tenant the backup is of")
        parser.add_argument("backup")
        parser.add_argument("--as", dest="as_slug", default=None, help="restore as a new tenant")
        parser.add_argument("--force", action="store_true", help="replace an existing tenant")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = tenant_restore(
                slug=options["slug"],
                backup=options["backup"],
                as_slug=options["as_slug"],
                force=options["force"],
                actor="cli",
            )
        except ValidationError as exc:
            raise validation_error_line(exc) from exc
        except BackupError as exc:
            raise bad_input(str(exc)) from exc
        self.stdout.write(
            f"Restored {result.tenant.slug} into {result.database}"
            + (f", migrated {len(result.migrated)}" if result.migrated else "")
            + f"; it is {result.tenant.status}."
        )
