"""Reads of the tenants list and a tenant's page (platform_app/views/tenants.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import Plan, Tenant, TenantAuditLog, TenantUsage

RECENT_AUDIT = 20


@dataclass(frozen=True, slots=True)
class TenantFilters:
    q: str = ""
    status: str = ""
    plan: str = ""  # a plan's code
    template: str = ""

    def __bool__(self) -> bool:
        return any((self.q, self.status, self.plan, self.template))


def tenant_page(filters: TenantFilters) -> QuerySet[Tenant]:
    """Tenants matching the filters, by address, each with its plan and gathered usage
    joined in: the page is the same few queries for 5 tenants or 500."""
    qs = Tenant.objects.select_related("plan", "usage").order_by("slug")
    if filters.q:
        qs = qs.filter(Q(slug__icontains=filters.q) | Q(name__icontains=filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.plan:
        qs = qs.filter(plan__code=filters.plan)
    if filters.template:
        qs = qs.filter(template=filters.template)
    return qs


def plan_options() -> list[tuple[str, str]]:
    """(code, name) of every plan, offered or not (old tenants may be on a retired one)."""
    return [(str(code), str(name)) for code, name in Plan.objects.values_list("code", "name")]


def tenant_detail(slug: str) -> Tenant | None:
    return Tenant.objects.select_related("plan", "usage").filter(slug=slug).first()


def usage_of(tenant: Tenant) -> TenantUsage | None:
    """The tenant's gathered figures, or None before the first gathering."""
    try:
        return tenant.usage
    except TenantUsage.DoesNotExist:
        return None


def tenant_recent_audit(tenant: Tenant, limit: int = RECENT_AUDIT) -> list[TenantAuditLog]:
    # By slug, like the audit page's filter: rows of an earlier tenant of the same address
    # are part of the story too (restore into a new slug keeps the old rows' slug).
    return list(
        TenantAuditLog.objects.filter(tenant_slug=tenant.slug).order_by("-created_at", "-id")[
            :limit
        ]
    )
