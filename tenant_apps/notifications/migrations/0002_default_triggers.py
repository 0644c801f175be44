"""Kept as a step of the migration history; it adds nothing.

The seed's default triggers were first added here, but tenants are clones of the migrated
template, so every tenant would have carried the same trigger ids (docs/architecture.md, Conventions: ids
are never shared across tenants). Provisioning seeds them instead
(`tenant_apps.notifications.services.triggers_seed`), with ids of each tenant's own.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations: list[migrations.operations.base.Operation] = []
