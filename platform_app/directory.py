"""The platform's answer to the tenancy core's questions about tenants
(dockpulse.tenancy.directory), registered from PlatformAppConfig.ready()."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction

from dockpulse.tenancy.info import TenantInfo
from dockpulse.tenancy.registry import registry

from .models import Plan, Tenant, TenantAuditLog

# The plan fields that limit what a tenant may create (TenantInfo.limits).
LIMIT_FIELDS = ("max_users", "max_customers")


def stamp_of(tenant: Tenant) -> str:
    """Changes whenever the tenant's row does (its plan included: plan changes and edits of
    the plan's limits touch the tenant's updated_at)."""
    return f"{tenant.generation}:{tenant.updated_at.timestamp():.6f}"


def publish(tenant: Tenant) -> bool:
    """Tell every process the tenant changed (call on the platform transaction's commit);
    False if Redis is down (the change stands: registry.publish)."""
    return registry.publish(tenant.slug, stamp_of(tenant))


def plan_modules_of(plan: Plan | None) -> frozenset[str] | None:
    """The modules a plan includes (TenantInfo.plan_modules): None = no restriction (no
    plan, or a plan whose features never listed modules)."""
    if plan is None:
        return None
    modules = (plan.features or {}).get("modules")
    if not isinstance(modules, list):
        return None
    return frozenset(str(code) for code in modules)


def info_from_model(tenant: Tenant) -> TenantInfo:
    plan = tenant.plan
    return TenantInfo(
        id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        status=tenant.status,
        template=tenant.template,
        db_name=tenant.db_name,
        db_host=tenant.db_host,
        db_port=tenant.db_port,
        generation=tenant.generation,
        time_zone=tenant.time_zone,
        language=tenant.language,
        currency=tenant.currency,
        stamp=stamp_of(tenant),
        limits=tuple((field, getattr(plan, field) if plan else None) for field in LIMIT_FIELDS),
        plan_modules=plan_modules_of(plan),
        migration_failed=tenant.migration_state == Tenant.MigrationState.FAILED,
    )


class PlatformTenantDirectory:
    def load(self, slug: str) -> TenantInfo | None:
        tenant = Tenant.objects.select_related("plan").filter(slug=slug).first()
        return info_from_model(tenant) if tenant is not None else None

    def slug_of(self, tenant_id: uuid.UUID) -> str | None:
        return Tenant.objects.filter(pk=tenant_id).values_list("slug", flat=True).first()

    def stamps(self) -> Iterable[tuple[str, str]]:
        for tenant in Tenant.objects.only("slug", "generation", "updated_at"):
            yield tenant.slug, stamp_of(tenant)

    def active_ids(self) -> list[uuid.UUID]:
        return list(
            Tenant.objects.filter(status=Tenant.Status.ACTIVE)
            .exclude(migration_state=Tenant.MigrationState.FAILED)
            .order_by("slug")
            .values_list("id", flat=True)
        )

    def update_profile(
        self, tenant_id: uuid.UUID, *, name: str, language: str, time_zone: str, actor: str = ""
    ) -> TenantInfo:
        """The tenant's own admin changes its name, language or time zone.

        Saving touches `updated_at`, so the tenant's stamp moves; it is published when the
        platform transaction commits, as every change of a tenant row is
        (platform_app.services.lifecycle), and every process reloads the tenant on its next
        request. Audited like the platform's own changes.
        """
        with transaction.atomic(using="default"):
            tenant = (
                Tenant.objects.select_for_update(of=("self",))
                .select_related("plan")
                .get(pk=tenant_id)
            )
            before = {"name": tenant.name, "language": tenant.language,
                      "time_zone": tenant.time_zone}  # fmt: skip
            after = {"name": name, "language": language, "time_zone": time_zone}
            changed = sorted(key for key in after if before[key] != after[key])
            if changed:
                tenant.name, tenant.language, tenant.time_zone = name, language, time_zone
                tenant.save(update_fields=["name", "language", "time_zone", "updated_at"])
                # The audit helper lives in platform_app.services, which imports this module.
                TenantAuditLog.objects.create(
                    tenant=tenant,
                    tenant_slug=tenant.slug,
                    action="tenant.profile_updated",
                    actor=actor or "tenant admin",
                    details={key: {"from": before[key], "to": after[key]} for key in changed},
                )
                transaction.on_commit(lambda: publish(tenant), using="default")
        return info_from_model(tenant)
