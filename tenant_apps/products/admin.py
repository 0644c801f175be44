from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from dockpulse.admin_sites import tenant_admin_site

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
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    list_display = ["code", "name", "category", "price", "unit", "vat_rate", "is_active"]
    list_filter = ["is_active", "unit", "vat_rate", "category"]
    search_fields = ["code", "name", "category"]
    fields = list(services.EDITABLE)
    readonly_fields = ["created_at", "updated_at"]

    # Writes go through the services, like the API's: same rules, same events.
    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.EDITABLE}
        if change:
            fresh = Product.objects.get(pk=obj.pk)
            saved = services.product_update(product=fresh, data=data, actor=request.user)
        else:
            saved = services.product_create(data=data, actor=request.user)
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        services.product_delete(product=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for product in queryset:
            services.product_delete(product=product, actor=request.user)
