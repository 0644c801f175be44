from __future__ import annotations

from django.contrib import admin

from dockpulse.admin_sites import tenant_admin_site

from .models import Customer


@admin.register(Customer, site=tenant_admin_site)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "company_name", "phone", "email", "nip", "address_city", "created_at"]
    list_filter = ["is_portal_active", "address_country", "created_at"]
    search_fields = ["name", "company_name", "phone", "email", "nip"]
    exclude = ["portal_password"]
    readonly_fields = ["created_at", "updated_at"]
