"""Database-per-tenant core: context, alias registry, router, transactions.

Import from here: `tenant_context`, `platform_context`, `tenant_atomic`,
`tenant_on_commit`, `current_tenant`, `get_current_tenant`, `current_db_alias`, and the
tenant's clock (`tenant_zone`, `tenant_now`, `tenant_today`, `tenant_day_start`).
"""

from .clock import tenant_day_start, tenant_now, tenant_today, tenant_zone
from .context import (
    current_tenant,
    get_current_tenant,
    in_platform_context,
    platform_context,
    tenant_context,
    unset_context,
)
from .exceptions import NoTenantContext, TenancyError, WrongContext
from .info import TenantInfo
from .transaction import current_db_alias, in_tenant_transaction, tenant_atomic, tenant_on_commit

__all__ = [
    "NoTenantContext",
    "TenancyError",
    "TenantInfo",
    "WrongContext",
    "current_db_alias",
    "current_tenant",
    "get_current_tenant",
    "in_platform_context",
    "in_tenant_transaction",
    "platform_context",
    "tenant_atomic",
    "tenant_context",
    "tenant_day_start",
    "tenant_now",
    "tenant_on_commit",
    "tenant_today",
    "tenant_zone",
    "unset_context",
]
