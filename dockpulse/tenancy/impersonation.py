"""Where a tenant host redeems and ends a platform admin's impersonation grant, without
importing the platform app (docs/platform.md, "Impersonation").

The platform app owns the grants (`impersonation_grants`, in the platform database) and
provides an `ImpersonationDirectory` from its AppConfig.ready(); the accounts app's views
and middleware call `impersonation_directory()`. None provided is an error: a tenant host
that silently refused every link would look like a bug in the link.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True, slots=True)
class GrantInfo:
    """A redeemed grant: who may act as whom, until when."""

    id: uuid.UUID
    admin_email: str
    user_email: str
    expires_at: datetime


class ImpersonationDirectory(Protocol):
    def redeem(self, token: str, *, tenant_id: uuid.UUID, ip: str | None) -> GrantInfo | None:
        """The grant of this one-time token, marked redeemed; None when the token is
        unknown, already used, past its redeem-by time, ended, or another tenant's."""

    def is_open(self, grant_id: uuid.UUID) -> bool:
        """Redeemed, not ended and not expired."""

    def end(self, grant_id: uuid.UUID, *, why: str, ip: str | None) -> bool:
        """Mark the grant ended (`why`: "ended" by the End button, "signed_out" by the
        ordinary sign-out, "expired", "closed" when the platform admin lost access); False
        when it had ended already (nothing written)."""


_directory: ImpersonationDirectory | None = None


def provide(directory: ImpersonationDirectory) -> None:
    global _directory
    _directory = directory


def impersonation_directory() -> ImpersonationDirectory:
    if _directory is None:
        raise ImproperlyConfigured(
            "no app provided the impersonation directory (dockpulse.tenancy.impersonation)"
        )
    return _directory
