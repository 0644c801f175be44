"""The platform's audit trail: what was done to tenants and by the platform's admins.

Its own module: every platform operation (provisioning, lifecycle, backups, sign-ins,
second-factor enrolment, Django admin edits) writes it, and none of them should have to
import another to do so.

Who and from where: a page request on the platform host runs inside `audit_origin(...)`
(platform_app.middleware sets it for a verified admin), so a service called from a page
records the admin's e-mail and IP without threading them through every signature.
Commands and tasks run without an origin: their rows have no admin and no IP, and their
`actor` says what ran them ("command", "system").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from platform_app.models import Tenant, TenantAuditLog


@dataclass(frozen=True, slots=True)
class AuditOrigin:
    """The platform admin (their e-mail) and the client address an action came from."""

    admin_email: str = ""
    ip: str | None = None


_origin: ContextVar[AuditOrigin | None] = ContextVar("platform_audit_origin", default=None)


@contextmanager
def audit_origin(origin: AuditOrigin) -> Iterator[AuditOrigin]:
    """Every audit row written inside is attributed to `origin` (nestable)."""
    token = _origin.set(origin)
    try:
        yield origin
    finally:
        _origin.reset(token)


def current_origin() -> AuditOrigin | None:
    return _origin.get()


def audit_record(
    *,
    action: str,
    actor: str,
    tenant: Tenant | None = None,
    origin: AuditOrigin | None = None,
    details: dict[str, Any] | None = None,
) -> TenantAuditLog:
    """One audit row. `origin` defaults to the current request's (none in commands)."""
    origin = origin or current_origin() or AuditOrigin()
    return TenantAuditLog.objects.create(
        tenant=tenant,
        tenant_slug=tenant.slug if tenant is not None else "",
        action=action,
        actor=actor,
        admin_email=origin.admin_email,
        ip=origin.ip or None,
        details=details or {},
    )


def audit(tenant: Tenant | None, action: str, actor: str, **details: Any) -> TenantAuditLog:
    """The short form the tenant operations use: `audit(tenant, "tenant.suspended", ...)`."""
    return audit_record(action=action, actor=actor, tenant=tenant, details=details)
