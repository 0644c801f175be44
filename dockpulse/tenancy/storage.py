"""File storage that keeps each tenant's files under `tenants/<slug>/`.

Names stored in FileFields stay tenant-relative (no prefix), so a restored copy of a
tenant keeps working once its files are copied under its new slug. Storage use with no
tenant or platform context raises, like the router.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from django.core.files.storage import FileSystemStorage
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


class TenantPrefixMixin:
    """Adds the context's prefix on the way in and strips it on the way out."""

    def _full(self, name: str) -> str:
        return storage_prefix() + name.lstrip("/")

    def _save(self, name: str, content: Any) -> str:
        prefix = storage_prefix()
        saved: str = super()._save(prefix + name.lstrip("/"), content)  # type: ignore[misc]
        return saved.removeprefix(prefix)

    def _open(self, name: str, mode: str = "rb") -> IO[Any]:
        return super()._open(self._full(name), mode)  # type: ignore[misc, no-any-return]

    def delete(self, name: str) -> None:
        super().delete(self._full(name))  # type: ignore[misc]

    def exists(self, name: str) -> bool:
        return bool(super().exists(self._full(name)))  # type: ignore[misc]

    def size(self, name: str) -> int:
        return int(super().size(self._full(name)))  # type: ignore[misc]

    def url(self, name: str | None) -> str:
        return str(super().url(self._full(name or "")))  # type: ignore[misc]

    def path(self, name: str) -> str:
        return str(super().path(self._full(name)))  # type: ignore[misc]

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return super().listdir(self._full(path))  # type: ignore[misc, no-any-return]

    def get_modified_time(self, name: str) -> datetime:
        return super().get_modified_time(self._full(name))  # type: ignore[misc, no-any-return]


class TenantFileSystemStorage(TenantPrefixMixin, FileSystemStorage):
    pass


class TenantS3Storage(TenantPrefixMixin, S3Storage):
    pass
