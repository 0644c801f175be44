"""Forms on the panel: one field template, and a service's errors put on their fields."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

from dockpulse.errors import DomainError


class PanelFormRenderer(TemplatesSetting):
    """Fields render through panel/field.html (label, control, help, errors; the control
    points at its help and errors with aria-describedby and says aria-invalid)."""

    form_template_name = "panel/form.html"
    field_template_name = "panel/field.html"


def add_service_errors(
    form: forms.Form,
    error: ValidationError | DomainError,
    *,
    names: Mapping[str, str] | None = None,
) -> None:
    """Put what the service refused on the form's fields, re-rendered by the view.

    `names` maps the service's field names to the form's where they differ (a customer's
    `address` is four inputs). Errors on a name the form has no field for, and domain
    errors (a state conflict, a plan limit), go to the top of the form.
    """
    names = names or {}
    if isinstance(error, DomainError):
        form.add_error(None, str(error.message))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, problems in error.message_dict.items():
        target = names.get(name, name)
        if target in form.fields and target not in form.errors:
            form.add_error(target, problems)
        elif target not in form.fields:
            form.add_error(None, [f"{name}: {problem}" for problem in problems])
