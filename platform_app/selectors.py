"""Reads of platform data."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Tenant, TenantAuditLog


def tenant_get(slug: str) -> Tenant:
    """The tenant with this slug, or a ValidationError naming it."""
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise ValidationError({"slug": [_("There is no tenant %(slug)s.") % {"slug": slug}]})
    return tenant


def tenant_list(*, status: str | None = None) -> QuerySet[Tenant]:
    qs = Tenant.objects.select_related("plan").order_by("slug")
    if status:
        qs = qs.filter(status=status)
    return qs


def tenants_to_migrate() -> QuerySet[Tenant]:
    """Tenants whose database exists (everything but deleted and half-provisioned ones)."""
    return Tenant.objects.filter(
        status__in=[Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED]
    ).order_by("slug")


# --- the audit log ------------------------------------------------------------------------


def audit_list(
    *, tenant_slug: str = "", admin_email: str = "", action: str = ""
) -> QuerySet[TenantAuditLog]:
    """Audit rows, newest first, narrowed by any of the three filters."""
    qs = TenantAuditLog.objects.order_by("-created_at", "-id")
    if tenant_slug:
        qs = qs.filter(tenant_slug=tenant_slug)
    if admin_email:
        qs = qs.filter(admin_email=admin_email)
    if action:
        qs = qs.filter(action=action)
    return qs


@dataclass(frozen=True, slots=True)
class AuditFilterOptions:
    tenant_slugs: list[str]
    admin_emails: list[str]
    actions: list[str]


def audit_filter_options() -> AuditFilterOptions:
    """What the filters offer: the tenants, admins and actions the log has rows for."""

    def distinct(field: str) -> list[str]:
        values = (
            TenantAuditLog.objects.exclude(**{field: ""})
            .order_by(field)
            .values_list(field, flat=True)
            .distinct()
        )
        return [str(value) for value in values]

    return AuditFilterOptions(
        tenant_slugs=distinct("tenant_slug"),
        admin_emails=distinct("admin_email"),
        actions=distinct("action"),
    )
