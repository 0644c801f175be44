"""File storage that keeps each tenant's files under `tenants/<slug>/`.

The storage's root (its `location`, and for local files its URL) follows the current
context, so names stored in FileFields stay tenant-relative: a restored copy of a tenant
keeps working once its files are copied under its slug. With no tenant or platform
context, storage use raises, like the router.

The walk over a tenant's files (what a backup archives, a restore replaces, a deletion
removes) lives here too, so the platform's services never list folders themselves.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from storages.backends.s3 import S3Storage

from .context import PLATFORM, current_state
from .exceptions import NoTenantContext
from .info import TenantInfo


def storage_prefix() -> str:
    state = current_state()
    if isinstance(state, TenantInfo):
        return f"tenants/{state.slug}/"
    if state is PLATFORM:
        return "platform/"
    raise NoTenantContext("file storage used with no tenant or platform context")


class TenantFileSystemStorage(FileSystemStorage):
    @property
    def base_location(self) -> str:
        root = self._value_or_setting(getattr(self, "_location", None), settings.MEDIA_ROOT)
        return os.path.join(root, storage_prefix())  # noqa: PTH118 - Django passes str paths

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)  # noqa: PTH100

    @property
    def base_url(self) -> str:
        url = self._value_or_setting(getattr(self, "_base_url", None), settings.MEDIA_URL)
        if url and not url.endswith("/"):
            url += "/"
        return f"{url}{storage_prefix()}"


class TenantS3Storage(S3Storage):
    """S3/MinIO: the configured `location` (if any) plus the context's prefix."""

    _constructed = False

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)  # validates the base location, with no context yet
        self._constructed = True

    @property
    def location(self) -> str:
        if not self._constructed:
            return self._base_location
        return f"{self._base_location}{storage_prefix()}"

    @location.setter
    def location(self, value: Any) -> None:
        base = str(value or "")
        self._base_location = f"{base.strip('/')}/" if base else ""


# --- a tenant's files as a whole (backup, restore, delete) ---------------------------------


def walk(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name under `path`, at any depth."""
    # listdir only: S3's exists() is False for every "folder".
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from walk(storage, f"{path}/{directory}" if path else directory)


def tenant_files() -> Iterator[str]:
    """The names of every stored file of the current context's tenant."""
    return walk(default_storage)


def tenant_files_delete() -> int:
    """Remove every stored file of the current context's tenant; returns how many."""
    names = list(tenant_files())
    for name in names:
        default_storage.delete(name)
    with contextlib.suppress(NotImplementedError, OSError):
        root = Path(default_storage.path(""))
        if root.exists():
            shutil.rmtree(root)
    return len(names)


def tenant_files_replace(files_root: Path) -> None:
    """The current tenant's files become those under `files_root`: each replaced, then the
    rest removed (never all removed first, so a failure half-way loses nothing the new set
    lacks)."""
    kept: set[str] = set()
    if files_root.is_dir():
        for path in sorted(p for p in files_root.rglob("*") if p.is_file()):
            name = path.relative_to(files_root).as_posix()
            if default_storage.exists(name):
                default_storage.delete(name)
            with path.open("rb") as handle:
                kept.add(default_storage.save(name, File(handle)))
    for name in list(tenant_files()):
        if name not in kept:
            default_storage.delete(name)
