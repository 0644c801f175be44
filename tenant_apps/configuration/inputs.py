"""Cleaning what an admin sends to the settings API, before a service writes it.

A field rule is addressed as `{entity}.{field}`; which entities and fields exist is what
the owning apps declared (`extensions.configurable_fields`), so no query is needed to
refuse an unknown one. Per-field problems are Django's ValidationError, with the
messages the API has always answered with.
"""

from __future__ import annotations

from typing import TypedDict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse import extensions


class FieldRuleChanges(TypedDict, total=False):
    """A field rule's new values; only the keys present change."""

    is_visible: bool
    is_required: bool
    display_order: int


def field_rule_target(key: str) -> tuple[str, str]:
    """(entity, field) of a `customer.nip` key: a configurable field some app declared."""
    entity, _dot, field_name = key.partition(".")
    declared = extensions.entities().get(entity)
    if declared is None:
        raise ValidationError({"entity_type": [_("Unknown entity.")]})
    if field_name in declared.core:
        raise ValidationError({"field_name": [_("This field is always shown and required.")]})
    if field_name not in declared.configurable:
        raise ValidationError({"field_name": [_("Unknown field.")]})
    return entity, field_name


def field_rule_changes(
    *,
    is_visible: bool | None = None,
    is_required: bool | None = None,
    display_order: int | None = None,
) -> FieldRuleChanges:
    if is_visible is False and is_required:
        raise ValidationError({"is_required": [_("A hidden field cannot be required.")]})
    changes = FieldRuleChanges()
    if is_visible is not None:
        changes["is_visible"] = is_visible
    if is_required is not None:
        changes["is_required"] = is_required
    if display_order is not None:
        changes["display_order"] = display_order
    return changes
