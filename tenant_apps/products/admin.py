from __future__ import annotations

from django.contrib import admin

from dockpulse.admin_sites import tenant_admin_site

from .models import Product


@admin.register(Product, site=tenant_admin_site)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "price", "unit", "vat_rate", "is_active"]
    list_filter = ["is_active", "unit", "vat_rate", "category"]
    search_fields = ["code", "name", "category"]
    readonly_fields = ["created_at", "updated_at"]
