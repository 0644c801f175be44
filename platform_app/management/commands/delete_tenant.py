from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from platform_app.services import BackupError, tenant_delete, tenant_get, tenant_purge

from ._common import bad_input, validation_error_line


class Command(BaseCommand):
    help = (
        "Delete a tenant: back it up (unless --no-backup), end its connections, drop its "
        "database, remove its files, mark it deleted and write an audit row. The address "
        "stays reserved so nobody else can take it.\n\n"
        "--purge erases a deleted tenant for good: it REMOVES ALL ITS BACKUPS and frees the "
        "address. Erase means erase: nothing of the tenant can be restored afterwards "
        "(billing records are kept, as the law requires).\n\n"
        "Examples:\n"
        "  manage.py delete_tenant acme              # asks you to type the address\n"
        "  manage.py delete_tenant acme --yes\n"
        "  manage.py delete_tenant acme --purge --yes"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--no-backup", action="store_true", help="skip the final backup")
        parser.add_argument("--purge", action="store_true", help="erase, backups included")
        parser.add_argument("--yes", action="store_true", help="do not ask")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        try:
            tenant = tenant_get(slug)
            if not options["yes"]:
                self._confirm(slug, purge=options["purge"])
            if tenant.status == "provisioning":
                # A creation that died: its row, database and files go; the address is free.
                tenant_delete(slug=slug, backup=False, actor="cli")
                self.stdout.write(
                    f"Removed the unfinished creation of {slug}; the address is free."
                )
                return
            if options["purge"]:
                if tenant.status != "deleted":
                    tenant_delete(slug=slug, backup=False, actor="cli")
                removed = tenant_purge(slug=slug, actor="cli")
                self.stdout.write(
                    f"Purged {slug}: {removed} backup(s) removed; the address is free."
                )
                return
            result = tenant_delete(slug=slug, backup=not options["no_backup"], actor="cli")
        except ValidationError as exc:
            raise validation_error_line(exc) from exc
        except BackupError as exc:
            raise bad_input(f"backup failed, nothing deleted: {exc}") from exc
        self.stdout.write(f"Deleted {slug}; its database {result.tenant.db_name} is dropped.")
        self.stdout.write(f"Backup: {result.backup}" if result.backup else "No backup was made.")

    def _confirm(self, slug: str, *, purge: bool) -> None:
        if not sys.stdin.isatty():
            raise bad_input("refusing to delete without --yes when nobody can confirm")
        what = "erase (backups included)" if purge else "delete"
        answer = input(f"Type {slug} to {what} it: ")
        if answer.strip() != slug:
            raise bad_input("not confirmed; nothing changed")
