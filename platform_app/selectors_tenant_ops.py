"""Reads for the tenant operations block: a tenant's backups as the page lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from platform_app.services.backups import backup_list, backup_storage


@dataclass(frozen=True, slots=True)
class BackupEntry:
    name: str  # as backup_list gives it, `<slug>/<slug>-<UTC stamp>.tar`: the restore form's value
    created_at: datetime | None
    size: int | None


def _stamp_of(name: str) -> datetime | None:
    """The UTC time in the archive's name (tenant_backup writes %Y%m%dT%H%M%S%fZ)."""
    stamp = name.rsplit("-", 1)[-1].removesuffix(".tar")
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def tenant_backups(slug: str) -> list[BackupEntry]:
    """The tenant's backups in the backups storage, newest first."""
    storage = backup_storage()
    entries = []
    for name in reversed(backup_list(slug)):
        try:
            size: int | None = storage.size(name)
        except OSError:  # removed between the listing and now
            size = None
        entries.append(BackupEntry(name=name, created_at=_stamp_of(name), size=size))
    return entries
