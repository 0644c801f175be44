"""Platform services: tenant provisioning, migrations, lifecycle, backups, plans."""

from platform_app.selectors import tenant_get

from .audit import audit
from .backups import (
    Backup,
    BackupError,
    backup_list,
    backups_prune,
    tenant_backup,
    tenant_restore,
)
from .lifecycle import (
    tenant_delete,
    tenant_purge,
    tenant_resume,
    tenant_set_status,
    tenant_suspend,
)
from .migrations import (
    check_tenants,
    migrate_many,
    template_exists,
    template_migrate,
    tenant_migrate,
)
from .plans import plan_publish_tenants
from .provisioning import ProvisionedTenant, generate_password, tenant_create

__all__ = [
    "Backup",
    "BackupError",
    "ProvisionedTenant",
    "audit",
    "backup_list",
    "backups_prune",
    "check_tenants",
    "generate_password",
    "migrate_many",
    "plan_publish_tenants",
    "template_exists",
    "template_migrate",
    "tenant_backup",
    "tenant_create",
    "tenant_delete",
    "tenant_get",
    "tenant_migrate",
    "tenant_purge",
    "tenant_restore",
    "tenant_resume",
    "tenant_set_status",
    "tenant_suspend",
]
