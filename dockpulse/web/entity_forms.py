"""Forms over an entity's inputs: shaped by the field rules, judged by the service.

A panel form carries the values a user typed to the app's `inputs.py` and service, which
answer with the same per-field errors the API gives (put on the form's fields with
`add_service_errors`). The tenant's field rules shape the form: a hidden field is not on
it at all, a required one is marked so (the label's mark, the `required` attribute). The
form itself does not refuse a missing value: the service does, in the API's words and
together with every other problem, rather than the form stopping at the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from dockpulse import extensions
from dockpulse.modules import field_policy


@dataclass(frozen=True)
class FieldRules:
    """An entity's fields as this tenant configured them."""

    hidden: frozenset[str]
    required: frozenset[str]  # the core fields and the configurable ones made required

    def shows(self, name: str) -> bool:
        return name not in self.hidden


def field_rules(entity: str) -> FieldRules:
    """The hidden and required fields of `entity` (two small queries)."""
    policy = field_policy()
    hidden = frozenset(policy.hidden_fields(entity))
    required = frozenset(policy.required_fields(entity)) | set(extensions.fields_of(entity).core)
    return FieldRules(hidden=hidden, required=required)


class ServiceForm(forms.Form):
    """A form whose fields follow `rules`: hidden ones removed, required ones marked.

    Subclasses declare every field the entity may have, named as the service names them;
    `given()` turns the cleaned data into what the app's inputs take.
    """

    def __init__(self, *args: Any, rules: FieldRules, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        for name in list(self.fields):
            if not rules.shows(name):
                del self.fields[name]
        for name, field in self.fields.items():
            field.required = name in rules.required

    def full_clean(self) -> None:
        # Required fields are marked, not refused here: the service refuses them, in the
        # API's words, next to the other fields' problems.
        marked = [field for field in self.fields.values() if field.required]
        for field in marked:
            field.required = False
        try:
            super().full_clean()
        finally:
            for field in marked:
                field.required = True
