from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from dockpulse.admin_sites import ServiceAdminMixin, tenant_admin_site

from . import services
from .models import Product


class ProductForm(forms.ModelForm):
    """The service's rules, checked while the form can still show them."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        instance = self.instance if self.instance.pk else None
        data = {name: cleaned.get(name) for name in services.EDITABLE}
        try:
            services.clean_input(data, instance=instance)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


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
