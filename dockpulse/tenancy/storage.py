"""File storage that keeps each tenant's files under `tenants/<slug>/`.

The storage's root (its `location`, and for local files its URL) follows the current
context, so names stored in FileFields stay tenant-relative: a restored copy of a tenant
keeps working once its files are copied under its slug. With no tenant or platform
context, storage use raises, like the router.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
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
