"""Status changes, deletion and purge of tenants, with their audit trail.

Every change of a tenant row is published to the tenant registry when the platform
transaction commits, so every process sees it from its next request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy import dbadmin, tenant_context
from dockpulse.tenancy.registry import registry
from dockpulse.tenancy.storage import tenant_files_delete
from platform_app.directory import info_from_model, publish
from platform_app.models import BillingRecord, Tenant, TenantAuditLog
from platform_app.selectors import tenant_get

from .audit import audit
from .backups import backup_list, backup_remove, tenant_backup
from .billing import billing_close_tenant
from .consistency import tenant_discard_stale_provisioning

logger = logging.getLogger(__name__)


def _publish_on_commit(tenant: Tenant) -> None:
    transaction.on_commit(lambda: publish(tenant), using="default")


def tenant_set_status(
    *,
    tenant: Tenant,
    status: str,
    reason: str = "",
    actor: str = "system",
    expected: frozenset[str] | None = None,
) -> Tenant:
    """Set a tenant's status; every process sees it from its next request.

    `expected`: the statuses the change is allowed from, checked under the row lock (a
    suspend racing a delete must not revive a dropped tenant).
    """
    if status not in Tenant.Status.values:
        raise ValidationError({"status": [_("Unknown status %(status)s.") % {"status": status}]})
    with transaction.atomic(using="default"):
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        previous = tenant.status
        if expected is not None and previous not in expected:
            raise ValidationError(
                {"slug": [_("Tenant %(slug)s is %(status)s.")
                          % {"slug": tenant.slug, "status": previous}]}
            )  # fmt: skip
        tenant.status = status
        tenant.status_reason = reason
        tenant.save(update_fields=["status", "status_reason", "updated_at"])
        audit(tenant, f"tenant.{status}", actor, previous=previous, reason=reason)
        _publish_on_commit(tenant)
    return tenant


def _already(tenant: Tenant, status: str) -> bool:
    """Asked again for the status it has: publish it again (a lost publish heals) and stop."""
    if tenant.status != status:
        return False
    publish(tenant)
    return True


def tenant_suspend(*, slug: str, reason: str = "", actor: str = "system") -> Tenant:
    tenant = tenant_get(slug)
    if _already(tenant, Tenant.Status.SUSPENDED):
        return tenant
    return tenant_set_status(
        tenant=tenant,
        status=Tenant.Status.SUSPENDED,
        reason=reason,
        actor=actor,
        expected=frozenset({Tenant.Status.ACTIVE}),
    )


def tenant_resume(*, slug: str, actor: str = "system") -> Tenant:
    tenant = tenant_get(slug)
    if _already(tenant, Tenant.Status.ACTIVE):
        return tenant
    return tenant_set_status(
        tenant=tenant,
        status=Tenant.Status.ACTIVE,
        actor=actor,
        expected=frozenset({Tenant.Status.SUSPENDED}),
    )


@dataclass(frozen=True)
class DeletedTenant:
    tenant: Tenant
    backup: str | None


def tenant_delete(*, slug: str, backup: bool = True, actor: str = "system") -> DeletedTenant:
    """Suspend, end the connections, back up (unless told not to), drop the database,
    remove the files, mark deleted. The row stays, so the slug stays reserved until
    `tenant_purge`. Run again on a deleted tenant, it finishes what a failure left.
    """
    tenant = tenant_get(slug)
    previous = tenant.status
    if previous == Tenant.Status.PROVISIONING:
        # A creation that died (its process was killed): nothing to back up or keep.
        tenant_discard_stale_provisioning(tenant=tenant, actor=actor)
        return DeletedTenant(tenant=tenant, backup=None)
    location = None
    if previous != Tenant.Status.DELETED:
        live = frozenset({Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED})
        if previous != Tenant.Status.SUSPENDED:
            # Nothing is written between the backup and the drop: requests are refused
            # from now on, and the connections still open are ended.
            tenant = tenant_set_status(
                tenant=tenant, status=Tenant.Status.SUSPENDED, reason="deleting",
                actor=actor, expected=live,
            )  # fmt: skip
        if not publish(tenant):
            # Nobody was told to stop serving it (Redis is down): a process still holding
            # its active copy could write after the backup began, and the drop would lose
            # what it was told was saved. Back to where it was, in words.
            if previous != Tenant.Status.SUSPENDED:
                tenant_set_status(tenant=tenant, status=previous, actor=actor)
            raise ValidationError({"slug": [_(
                "Tenant %(slug)s was not deleted: the servers could not be told to stop "
                "serving it (is Redis up?). Try again when Redis answers."
            ) % {"slug": slug}]})  # fmt: skip
        tenant_connections.forget(f"tenant_{slug}")
        with dbadmin.admin_connection(tenant.db_host, tenant.db_port) as conn:
            dbadmin.terminate_connections(conn, tenant.db_name)
        try:
            location = tenant_backup(slug=slug).location if backup else None
        except BaseException:
            if previous != Tenant.Status.SUSPENDED:
                tenant_set_status(tenant=tenant, status=previous, actor=actor)
            raise
        with transaction.atomic(using="default"):
            tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
            tenant.status = Tenant.Status.DELETED
            tenant.generation += 1
            tenant.save(update_fields=["status", "generation", "updated_at"])
            _publish_on_commit(tenant)
    removed = _erase_database_and_files(tenant)
    audit(
        tenant,
        "tenant.deleted",
        actor,
        previous=previous,
        database=tenant.db_name,
        files_removed=removed,
        backup=location,
    )
    return DeletedTenant(tenant=tenant, backup=location)


def _erase_database_and_files(tenant: Tenant) -> int:
    """Drop the tenant's database and remove its files (both idempotent)."""
    tenant_connections.forget(f"tenant_{tenant.slug}")
    with dbadmin.admin_connection(tenant.db_host, tenant.db_port) as conn:
        dbadmin.drop_database(conn, tenant.db_name)
    with tenant_context(info_from_model(tenant)):
        return tenant_files_delete()


def tenant_purge(*, slug: str, actor: str = "system") -> int:
    """Erase a deleted tenant: its backups and its row; its slug becomes free.

    The months not billed yet are billed first (the plan history goes with the row).
    Billing records are kept (accounting law) with the slug they were issued to; the audit
    trail keeps the slug and what was done. Returns how many backups were removed.
    """
    tenant = tenant_get(slug)
    if tenant.status != Tenant.Status.DELETED:
        raise ValidationError(
            {"slug": [_("Delete tenant %(slug)s before purging it.") % {"slug": slug}]}
        )
    # Erase means erase: finish the deletion first, in case it failed half-way.
    _erase_database_and_files(tenant)
    backups = backup_list(slug)
    for name in backups:
        backup_remove(name)
    with transaction.atomic(using="default"):
        # The plan history goes with the row: bill the days not billed yet first.
        billing_close_tenant(tenant=tenant, actor=actor)
        BillingRecord.objects.filter(tenant=tenant).update(tenant=None)
        TenantAuditLog.objects.create(
            tenant=None,
            tenant_slug=slug,
            action="tenant.purged",
            actor=actor,
            details={"backups_removed": len(backups)},
        )
        tenant.delete()
        transaction.on_commit(lambda: registry.forget(slug), using="default")
    return len(backups)
