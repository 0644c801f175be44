"""Backups and restores of one tenant: its database (pg_dump, custom format) and its files.

A backup is one tar archive: `manifest.json` (who, when, the migrations applied, the row
count of every table, the SHA-256 of the dump), `database.dump` and `files/...`. Archives
go to the `backups` storage (`var/backups/` by default, the S3 bucket when configured) as
`<slug>/<slug>-<UTC time>.tar`.

`archive` holds the format and the storage, `backup` makes one, `restore` switches a tenant
to one. The client programs come from dockpulse.tenancy.pgtools, the walk over a tenant's
files from dockpulse.tenancy.storage.
"""

from .archive import BackupError, backup_list, backup_remove, backup_storage, backups_prune
from .backup import Backup, tenant_backup
from .restore import RestoredTenant, tenant_restore

__all__ = [
    "Backup",
    "BackupError",
    "RestoredTenant",
    "backup_list",
    "backup_remove",
    "backup_storage",
    "backups_prune",
    "tenant_backup",
    "tenant_restore",
]
