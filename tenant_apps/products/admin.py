from __future__ import annotations

from typing import Any

from django.contrib import admin

from dockpulse.admin_sites import ServiceAdminMixin, ServiceValidatedForm, tenant_admin_site

from . import services
from .models import Product


class ProductForm(ServiceValidatedForm):
    def service_check(self, cleaned: dict[str, Any], instance: Any) -> None:
        services.clean_input({n: cleaned.get(n) for n in services.EDITABLE}, instance=instance)


@admin.register(Product, site=tenant_admin_site)
class ProductAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = ProductForm
    list_display = ["code", "name", "category", "price", "unit", "vat_rate", "is_active"]
    list_filter = ["is_active", "unit", "vat_rate", "category"]
    search_fields = ["code", "name", "category"]
    fields = list(services.EDITABLE)
    readonly_fields = ["created_at", "updated_at"]

    def service_data(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {name: cleaned[name] for name in services.EDITABLE}

    def service_create(self, data: dict[str, Any], actor: Any) -> Product:
        return services.product_create(data=data, actor=actor)

    def service_update(self, obj: Product, data: dict[str, Any], actor: Any) -> Product:
        return services.product_update(product=obj, data=data, actor=actor)

    def service_delete(self, obj: Product, actor: Any) -> None:
        services.product_delete(product=obj, actor=actor)
