"""The platform's audit trail of what was done to tenants.

Its own module: every tenant operation (provisioning, lifecycle, backups) writes it, and
none of them should have to import another to do so.
"""

from __future__ import annotations

from typing import Any

from platform_app.models import Tenant, TenantAuditLog


def audit(tenant: Tenant, action: str, actor: str, **details: Any) -> TenantAuditLog:
    return TenantAuditLog.objects.create(
        tenant=tenant, tenant_slug=tenant.slug, action=action, actor=actor, details=details
    )
