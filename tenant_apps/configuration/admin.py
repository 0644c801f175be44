from __future__ import annotations

from django.contrib import admin

from dockpulse.admin_sites import tenant_admin_site

from .models import FieldConfig, TenantModule


@admin.register(TenantModule, site=tenant_admin_site)
class TenantModuleAdmin(admin.ModelAdmin):
    list_display = ["module_code", "is_enabled", "updated_at"]
    list_filter = ["is_enabled"]
    search_fields = ["module_code"]


@admin.register(FieldConfig, site=tenant_admin_site)
class FieldConfigAdmin(admin.ModelAdmin):
    list_display = ["entity_type", "field_name", "is_visible", "is_required", "display_order"]
    list_filter = ["entity_type", "is_visible", "is_required"]
    search_fields = ["field_name"]
