from __future__ import annotations

from typing import Any

from django.contrib import admin

from dockpulse.actors import Actor
from dockpulse.admin_sites import ServiceAdminMixin, ServiceValidatedForm, tenant_admin_site

from . import inputs, services
from .inputs import CustomerChanges, CustomerInput
from .models import Customer

_PLAIN = ("name", "company_name", "phone", "email", "nip", "notes", "tags")
_ADDRESS = ("street", "postal_code", "city", "country")


def _given(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as the customer's input (the address parts as one address)."""
    given: dict[str, Any] = {name: cleaned.get(name) for name in _PLAIN}
    given["address"] = {key: cleaned.get(f"address_{key}") or "" for key in _ADDRESS}
    return given


def _new(given: dict[str, Any]) -> CustomerInput:
    with services.customer_problems(instance=None):
        return inputs.customer_input(given)


def _changes(given: dict[str, Any], customer: Customer) -> CustomerChanges:
    with services.customer_problems(instance=customer):
        return inputs.customer_changes(given)


class CustomerForm(ServiceValidatedForm):
    def service_check(self, cleaned: dict[str, Any], instance: Any) -> None:
        given = _given(cleaned)
        values = _new(given) if instance is None else _changes(given, instance)
        services.customer_check(values, instance=instance)


@admin.register(Customer, site=tenant_admin_site)
class CustomerAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = CustomerForm
    list_display = ["name", "company_name", "phone", "email", "nip", "address_city", "created_at"]
    list_filter = ["is_portal_active", "address_country", "created_at"]
    search_fields = ["name", "company_name", "phone", "email", "nip"]
    fields = [*_PLAIN, *(f"address_{key}" for key in _ADDRESS), "is_portal_active"]
    # Portal access goes on only with a password sent by SMS (the customer's panel page).
    readonly_fields = ["is_portal_active", "created_at", "updated_at"]

    def service_data(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return _given(cleaned)

    def service_create(self, data: dict[str, Any], actor: Actor) -> Customer:
        return services.customer_create(values=_new(data), actor=actor)

    def service_update(self, obj: Customer, data: dict[str, Any], actor: Actor) -> Customer:
        changes = _changes(data, obj)
        return services.customer_update(customer=obj, changes=changes, actor=actor)

    def service_delete(self, obj: Customer, actor: Actor) -> None:
        services.customer_delete(customer=obj, actor=actor)
