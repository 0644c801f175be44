"""Per-tenant field rules (field_configs): which fields of an entity are visible and required.

Hidden fields are left out of API output and refused on input; required fields must be
given (and not blank). Core fields (a customer's name and phone, a product's code, name
and price) are always visible and required: the product does not work without them.

Which fields an entity has is declared by the app that owns the entity
(`extensions.configurable_fields` in its extensions.py); this app only keeps each tenant's
rules for them, and offers them to the core as its `dockpulse.modules.FieldPolicy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse import extensions

from .models import FieldConfig


@dataclass(frozen=True)
class FieldRule:
    visible: bool = True
    required: bool = False


def field_rules(entity: str) -> dict[str, FieldRule]:
    """Rules for every configurable field of `entity` (one query)."""
    configurable = extensions.fields_of(entity).configurable
    rules = {name: FieldRule() for name in configurable}
    for config in FieldConfig.objects.filter(entity_type=entity, field_name__in=configurable):
        rules[config.field_name] = FieldRule(config.is_visible, config.is_required)
    return rules


def hidden_fields(entity: str) -> set[str]:
    return {name for name, rule in field_rules(entity).items() if not rule.visible}


def required_fields(entity: str) -> set[str]:
    return {name for name, rule in field_rules(entity).items() if rule.visible and rule.required}


def check_input(entity: str, data: Mapping[str, Any], *, creating: bool) -> None:
    """Refuse hidden fields and enforce required ones; per-field messages."""
    errors: dict[str, list[str]] = {}
    for name, rule in field_rules(entity).items():
        if not rule.visible and name in data:
            errors[name] = [_("This field is hidden in this account's settings.")]
        elif rule.required and rule.visible:
            present = name in data
            if (creating and not present) or (present and data[name] in ("", None, [], {})):
                errors[name] = [_("This field is required in this account's settings.")]
    if errors:
        raise ValidationError(errors)


def strip_hidden(
    entity: str, data: Mapping[str, Any], hidden: set[str] | None = None
) -> dict[str, Any]:
    hidden = hidden_fields(entity) if hidden is None else hidden
    return {key: value for key, value in data.items() if key not in hidden}


class TenantFieldPolicy:
    """The core's `dockpulse.modules.FieldPolicy`, read from this tenant's field_configs."""

    def hidden_fields(self, entity: str) -> set[str]:
        return hidden_fields(entity)

    def required_fields(self, entity: str) -> set[str]:
        return required_fields(entity)

    def strip_hidden(self, entity: str, data: Mapping[str, Any]) -> dict[str, Any]:
        return strip_hidden(entity, data)

    def check_input(self, entity: str, data: Mapping[str, Any], *, creating: bool) -> None:
        check_input(entity, data, creating=creating)
