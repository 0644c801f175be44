"""Reads of platform data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Tenant


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
