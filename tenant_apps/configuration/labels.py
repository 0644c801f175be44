"""Human names for what the settings pages list by code: modules, entities and their fields.

Module codes are the platform's module registry's; the tenant's own copy of that list
(`tenant_modules`) has the codes only, so the names and descriptions shown to a tenant's
admin live here, translated. Entities and fields are what the owning apps declared
(`extensions.configurable_fields`); a field with no label here is shown by its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ModuleLabel:
    name: Any  # lazy translations
    description: Any


MODULES: dict[str, ModuleLabel] = {
    "@customers": ModuleLabel(_("Customers"), _("Customer records, contacts and history.")),
    "@products": ModuleLabel(
        _("Products"), _("The catalogue of products and services, with prices and units.")
    ),
    "@orders": ModuleLabel(_("Orders"), _("Orders with numbering, statuses and totals.")),
    "@quotes": ModuleLabel(_("Quotes"), _("Quotes that customers accept into orders.")),
    "@stock": ModuleLabel(_("Stock"), _("Warehouses, stock levels, reservations and movements.")),
    "@portal": ModuleLabel(
        _("Customer portal"), _("Customers log in to order and to accept quotes.")
    ),
    "@notifications": ModuleLabel(
        _("Notifications"), _("SMS, e-mail, in-app and webhook notifications.")
    ),
    "@reports": ModuleLabel(_("Reports"), _("Sales and stock reports.")),
    "@ai": ModuleLabel(
        _("AI assistant"), _("An assistant for drafting quotes and answering questions.")
    ),
}

ENTITIES: dict[str, Any] = {
    "customer": _("Customers"),
    "product": _("Products"),
}

FIELDS: dict[str, Any] = {
    # customers
    "name": _("Name"),
    "phone": _("Phone"),
    "company_name": _("Company name"),
    "email": _("E-mail"),
    "nip": _("NIP"),
    "address": _("Address"),
    "notes": _("Notes"),
    "tags": _("Tags"),
    # products
    "code": _("Code"),
    "price": _("Price"),
    "description": _("Description"),
    "category": _("Category"),
    "unit": _("Unit"),
    "vat_rate": _("VAT rate"),
    "is_active": _("Active"),
}


def module_label(code: str) -> ModuleLabel:
    return MODULES.get(code, ModuleLabel(code.lstrip("@").replace("_", " ").capitalize(), ""))


def entity_label(entity: str) -> Any:
    return ENTITIES.get(entity, entity.replace("_", " ").capitalize())


def field_label(name: str) -> Any:
    return FIELDS.get(name, name.replace("_", " ").capitalize())
