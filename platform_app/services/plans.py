"""Plans: what changes for the tenants on a plan when the plan changes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dockpulse.tenancy.registry import registry
from platform_app.directory import stamp_of
from platform_app.models import Plan, Tenant


def plan_publish_tenants(*, plan: Plan) -> int:
    """Give every tenant on `plan` a new stamp, published when the platform transaction
    commits; returns how many.

    The plan's limits travel on each tenant's cached info (TenantInfo.limits), and a
    process reloads a tenant only when its stamp changes: without this, lowering
    max_customers would reach the tenants' writes only after some other change of theirs.
    """
    with transaction.atomic(using="default"):
        tenants = Tenant.objects.filter(plan=plan)
        # updated_at is half of the stamp; QuerySet.update() leaves auto_now alone.
        tenants.update(updated_at=timezone.now())
        stamps = [
            (tenant.slug, stamp_of(tenant))
            for tenant in tenants.only("slug", "generation", "updated_at")
        ]
        transaction.on_commit(lambda: registry.publish_many(stamps), using="default")
    return len(stamps)
