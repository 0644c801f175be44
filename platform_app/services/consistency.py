"""What a crash can leave behind, found and cleaned: a tenant row stuck in `provisioning`
(the process was killed mid-way: no code path will ever finish or remove it, and it holds
its slug) and databases no tenant row points at (a killed provisioning or restore).

`tenants_check()` reports them (`list_tenants --check`, the health page);
`tenant_discard_stale_provisioning()` is what `delete_tenant` does with such a row.
A provisioning younger than TENANT_PROVISIONING_STALE_MINUTES is left alone: it may be
running right now (it takes seconds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy import dbadmin, tenant_context
from dockpulse.tenancy.registry import registry
from dockpulse.tenancy.storage import tenant_files_delete
from platform_app.directory import info_from_model
from platform_app.models import Tenant

from .audit import audit_record


def _stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.TENANT_PROVISIONING_STALE_MINUTES)


def is_stale_provisioning(tenant: Tenant) -> bool:
    return tenant.status == Tenant.Status.PROVISIONING and tenant.updated_at < _stale_before()


@dataclass(frozen=True)
class TenantsCheck:
    stale_provisioning: list[Tenant] = field(default_factory=list)
    # Databases named like a tenant's that no tenant row points at, per server.
    orphan_databases: list[tuple[str, str]] = field(default_factory=list)
    # Live tenants whose database does not exist.
    missing_databases: list[Tenant] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.stale_provisioning or self.orphan_databases or self.missing_databases)


def _servers(tenants: Iterable[Tenant]) -> set[tuple[str, int | None]]:
    return {("", None)} | {(t.db_host, t.db_port) for t in tenants}


def tenants_check() -> TenantsCheck:
    tenants = list(Tenant.objects.all())
    named = {t.db_name for t in tenants}
    template = dbadmin.template_db_name()
    orphans: list[tuple[str, str]] = []
    existing: set[tuple[str, int | None, str]] = set()
    for host, port in sorted(_servers(tenants), key=lambda s: (s[0], s[1] or 0)):
        with dbadmin.admin_connection(host, port) as conn:
            for name in dbadmin.list_databases(conn, settings.TENANT_DB_PREFIX):
                existing.add((host, port, name))
                if name != template and name not in named:
                    orphans.append((f"{host or 'default'}:{port or ''}".rstrip(":"), name))
    live = (Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED)
    missing = [
        t for t in tenants
        if t.status in live and (t.db_host, t.db_port, t.db_name) not in existing
    ]  # fmt: skip
    stale = [t for t in tenants if is_stale_provisioning(t)]
    return TenantsCheck(stale_provisioning=stale, orphan_databases=orphans,
                        missing_databases=missing)  # fmt: skip


def tenant_discard_stale_provisioning(*, tenant: Tenant, actor: str = "system") -> None:
    """Remove what a provisioning that died left: its database (if it made one and no
    other row names it), its files, its row (nothing was ever served from it: no backup,
    no bill). Refused while the provisioning may still be running."""
    if tenant.status != Tenant.Status.PROVISIONING:
        raise ValidationError({"slug": [_("Tenant %(slug)s is not being created.")
                                         % {"slug": tenant.slug}]})  # fmt: skip
    if not is_stale_provisioning(tenant):
        minutes = settings.TENANT_PROVISIONING_STALE_MINUTES
        raise ValidationError(
            {"slug": [_("Tenant %(slug)s is still being created; if it does not finish, "
                        "delete it again after %(minutes)d minutes.")
                      % {"slug": tenant.slug, "minutes": minutes}]}
        )  # fmt: skip
    tenant_connections.forget(f"tenant_{tenant.slug}")
    shared = Tenant.objects.filter(db_name=tenant.db_name).exclude(pk=tenant.pk).exists()
    if not shared:
        with dbadmin.admin_connection(tenant.db_host, tenant.db_port) as conn:
            dbadmin.drop_database(conn, tenant.db_name)
    with tenant_context(info_from_model(tenant)):
        tenant_files_delete()
    audit_record(
        action="tenant.provisioning_discarded",
        actor=actor,
        details={
            "slug": tenant.slug,
            "database": tenant.db_name,
            "started": str(tenant.created_at),
        },
    )
    Tenant.objects.filter(pk=tenant.pk, status=Tenant.Status.PROVISIONING).delete()
    registry.forget(tenant.slug)
