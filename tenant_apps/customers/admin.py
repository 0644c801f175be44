from __future__ import annotations

from typing import Any

from django.contrib import admin

from dockpulse.admin_sites import ServiceAdminMixin, ServiceValidatedForm, tenant_admin_site

from . import services
from .models import Customer

_PLAIN = ("name", "company_name", "phone", "email", "nip", "notes", "tags", "is_portal_active")
_ADDRESS = ("street", "postal_code", "city", "country")


def _data(cleaned: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {name: cleaned.get(name) for name in _PLAIN}
    data["address"] = {key: cleaned.get(f"address_{key}") or "" for key in _ADDRESS}
    return data


class CustomerForm(ServiceValidatedForm):
    def service_check(self, cleaned: dict[str, Any], instance: Any) -> None:
        services.clean_input(_data(cleaned), instance=instance)


@admin.register(Customer, site=tenant_admin_site)
class CustomerAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = CustomerForm
    list_display = ["name", "company_name", "phone", "email", "nip", "address_city", "created_at"]
    list_filter = ["is_portal_active", "address_country", "created_at"]
    search_fields = ["name", "company_name", "phone", "email", "nip"]
    fields = [*_PLAIN, *(f"address_{key}" for key in _ADDRESS)]
    readonly_fields = ["created_at", "updated_at"]

    def service_data(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return _data(cleaned)

    def service_create(self, data: dict[str, Any], actor: Any) -> Customer:
        return services.customer_create(data=data, actor=actor)

    def service_update(self, obj: Customer, data: dict[str, Any], actor: Any) -> Customer:
        return services.customer_update(customer=obj, data=data, actor=actor)

    def service_delete(self, obj: Customer, actor: Any) -> None:
        services.customer_delete(customer=obj, actor=actor)
