from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from dockpulse.admin_sites import tenant_admin_site

from . import services
from .models import Customer

_PLAIN = ("name", "company_name", "phone", "email", "nip", "notes", "tags", "is_portal_active")
_ADDRESS = ("street", "postal_code", "city", "country")


def _data(cleaned: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {name: cleaned.get(name) for name in _PLAIN}
    data["address"] = {key: cleaned.get(f"address_{key}") or "" for key in _ADDRESS}
    return data


class CustomerForm(forms.ModelForm):
    """The service's rules, checked while the form can still show them."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        instance = self.instance if self.instance.pk else None
        try:
            services.clean_input(_data(cleaned), instance=instance)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


@admin.register(Customer, site=tenant_admin_site)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = ["name", "company_name", "phone", "email", "nip", "address_city", "created_at"]
    list_filter = ["is_portal_active", "address_country", "created_at"]
    search_fields = ["name", "company_name", "phone", "email", "nip"]
    fields = [*_PLAIN, *(f"address_{key}" for key in _ADDRESS)]
    readonly_fields = ["created_at", "updated_at"]

    # Writes go through the services, like the API's: same rules, same events.
    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        data = _data(form.cleaned_data)
        if change:
            fresh = Customer.objects.get(pk=obj.pk)
            saved = services.customer_update(customer=fresh, data=data, actor=request.user)
        else:
            saved = services.customer_create(data=data, actor=request.user)
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request: HttpRequest, obj: Customer) -> None:
        services.customer_delete(customer=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for customer in queryset:
            services.customer_delete(customer=customer, actor=request.user)
