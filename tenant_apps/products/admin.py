from __future__ import annotations

from typing import Any

from django.contrib import admin

from dockpulse.actors import Actor
from dockpulse.admin_sites import ServiceAdminMixin, ServiceValidatedForm, tenant_admin_site

from . import inputs, services
from .inputs import ProductChanges, ProductInput
from .models import Product


def _given(cleaned: dict[str, Any]) -> dict[str, Any]:
    return {name: cleaned.get(name) for name in inputs.EDITABLE}


def _new(given: dict[str, Any]) -> ProductInput:
    with services.product_problems(instance=None):
        return inputs.product_input(given)


def _changes(given: dict[str, Any], product: Product) -> ProductChanges:
    with services.product_problems(instance=product):
        return inputs.product_changes(given)


class ProductForm(ServiceValidatedForm):
    def service_check(self, cleaned: dict[str, Any], instance: Any) -> None:
        given = _given(cleaned)
        values = _new(given) if instance is None else _changes(given, instance)
        services.product_check(values, instance=instance)


@admin.register(Product, site=tenant_admin_site)
class ProductAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = ProductForm
    list_display = ["code", "name", "category", "price", "unit", "vat_rate", "is_active"]
    list_filter = ["is_active", "unit", "vat_rate", "category"]
    search_fields = ["code", "name", "category"]
    fields = list(inputs.EDITABLE)
    readonly_fields = ["created_at", "updated_at"]

    def service_data(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return _given(cleaned)

    def service_create(self, data: dict[str, Any], actor: Actor) -> Product:
        return services.product_create(values=_new(data), actor=actor)

    def service_update(self, obj: Product, data: dict[str, Any], actor: Actor) -> Product:
        changes = _changes(data, obj)
        return services.product_update(product=obj, changes=changes, actor=actor)

    def service_delete(self, obj: Product, actor: Actor) -> None:
        services.product_delete(product=obj, actor=actor)
