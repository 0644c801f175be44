from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from dockpulse.admin_sites import ReadOnlyAdminMixin, platform_admin_site
from tenant_apps.accounts.admin import UserAdmin
from tenant_apps.accounts.models import User

from .directory import publish
from .models import BillingRecord, ModuleRegistry, Plan, Tenant, TenantAuditLog
from .services import plan_publish_tenants
from .services.audit import audit_record


class AuditedAdminMixin:
    """Every add, change and delete in the platform's Django admin is also an audit row
    (who, IP and when come from the request's audit origin: platform_app.middleware)."""

    def _audit(self, request: HttpRequest, action: str, obj: models.Model, message: Any) -> None:
        details: dict[str, Any] = {
            "model": obj._meta.label,
            "object": str(obj),
            "id": str(obj.pk),
        }
        if message:
            # The admin's change message: which fields changed (lazy labels made plain).
            details["changes"] = json.loads(json.dumps(message, default=str))
        audit_record(
            action=action,
            actor=getattr(request.user, "email", "") or "-",
            tenant=obj if isinstance(obj, Tenant) else None,
            details=details,
        )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, "admin.added", obj, message)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, "admin.changed", obj, message)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(request, "admin.deleted", obj, None)
        return super().log_deletions(request, queryset)  # type: ignore[misc]


@admin.register(Tenant, site=platform_admin_site)
class TenantAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["slug", "name", "template", "plan", "status", "migration_state", "created_at"]
    list_filter = ["status", "template", "plan", "migration_state"]
    search_fields = ["slug", "name", "db_name"]
    # Lifecycle goes through the services (provisioning, suspend, delete): the database
    # behind a row cannot be created or dropped by editing it. The plan too: a change goes
    # through tenant_plan_change (the limits check, the plan history billing prorates by).
    readonly_fields = [
        "slug", "plan", "db_name", "db_host", "db_port", "generation", "status", "migration_state",
        "migrated_to", "migrated_at", "migration_error", "created_at", "updated_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Every process must see the new name, language or plan from its next request.
        transaction.on_commit(lambda: publish(obj), using="default")


@admin.register(Plan, site=platform_admin_site)
class PlanAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "price_monthly", "max_users", "max_customers", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Plan, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            # The limits travel on each tenant's cached info: its tenants must be reloaded.
            plan_publish_tenants(plan=obj)


@admin.register(ModuleRegistry, site=platform_admin_site)
class ModuleRegistryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "templates", "default_templates"]
    search_fields = ["code", "name"]


@admin.register(BillingRecord, site=platform_admin_site)
class BillingRecordAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["tenant", "plan", "amount", "period_start", "period_end", "status"]
    list_filter = ["status", "plan"]
    search_fields = ["tenant__slug"]
    date_hierarchy = "period_start"


@admin.register(TenantAuditLog, site=platform_admin_site)
class TenantAuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "tenant_slug", "action", "admin_email", "ip", "actor"]
    list_filter = ["action"]
    search_fields = ["tenant_slug", "actor", "admin_email"]


# Platform admins' accounts: the accounts app's admin, audited like the rest of this site.
platform_admin_site.unregister(User)


@admin.register(User, site=platform_admin_site)
class PlatformUserAdmin(AuditedAdminMixin, UserAdmin):
    pass
