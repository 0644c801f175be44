"""Forms of the settings pages: field rules and the company profile.

They carry what the admin typed to the same input cleaning the API uses (inputs.py) and
then to the services; the rules (a hidden field is never required, a NIP's checksum, a
logo that is really an image) are there, and come back on the form's fields.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import inputs
from .inputs import FieldRuleChanges
from .selectors import EntityRows

# Zones of places (Europe/Warsaw...), not the legacy aliases (Poland, EST5EDT, Etc/GMT+2).
_REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe",
            "Indian", "Pacific")  # fmt: skip


def time_zone_choices(current: str = "") -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if z.split("/", 1)[0] in _REGIONS)
    zones = ["UTC", *zones]
    if current and current not in zones:
        zones.insert(0, current)  # a zone set elsewhere stays selectable
    return [(zone, zone.replace("_", " ")) for zone in zones]


class FieldRulesForm(forms.Form):
    """One entity's configurable fields: a visible and a required box each."""

    def __init__(self, *args: Any, entity: EntityRows, **kwargs: Any) -> None:
        initial: dict[str, Any] = {}
        for row in entity.fields:
            if not row.core:
                initial[f"{row.name}-visible"] = row.visible
                initial[f"{row.name}-required"] = row.required
        kwargs.update(initial=initial, prefix=entity.entity)
        super().__init__(*args, **kwargs)
        self.entity = entity
        for row in entity.fields:
            if row.core:
                continue
            self.fields[f"{row.name}-visible"] = forms.BooleanField(
                label=_("%(field)s is visible") % {"field": row.label}, required=False
            )
            self.fields[f"{row.name}-required"] = forms.BooleanField(
                label=_("%(field)s is required") % {"field": row.label}, required=False
            )

    def rows(self) -> list[tuple[Any, forms.BoundField | None, forms.BoundField | None]]:
        """(row, visible box, required box) per field; no boxes for a core field."""
        return [
            (row, None, None)
            if row.core
            else (row, self[f"{row.name}-visible"], self[f"{row.name}-required"])
            for row in self.entity.fields
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.rules: dict[str, FieldRuleChanges] = {}
        for row in self.entity.fields:
            if row.core:
                continue
            visible = bool(cleaned.get(f"{row.name}-visible"))
            required = bool(cleaned.get(f"{row.name}-required"))
            try:
                # The API's own check: a hidden field cannot be required.
                changes = inputs.field_rule_changes(is_visible=visible, is_required=required)
            except ValidationError as exc:
                self.add_error(f"{row.name}-required", exc.message_dict["is_required"])
                continue
            if (visible, required) != (row.visible, row.required):
                self.rules[row.name] = changes
        return cleaned


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=255)
    nip = forms.CharField(
        label=_("NIP"), max_length=20, required=False, help_text=_("10 digits, e.g. 525-000-12-34.")
    )
    street = forms.CharField(label=_("Street and number"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("A two-letter code, e.g. PL.")
    )
    email = forms.CharField(
        label=_("E-mail"), max_length=254, required=False, widget=forms.EmailInput
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, widget=forms.TextInput({"type": "tel"})
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG or JPEG image of at most 1 MB, shown on documents."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[],
        help_text=_("The language of messages to customers and of documents."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[], help_text=_("Dates and times are shown in this zone.")
    )

    def __init__(self, *args: Any, has_logo: bool, current_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = list(settings.LANGUAGES)  # type: ignore[attr-defined]
        self.fields["time_zone"].choices = time_zone_choices(current_zone)  # type: ignore[attr-defined]
        if not has_logo:
            del self.fields["remove_logo"]

    def full_clean(self) -> None:
        # Required fields are marked (the label's star), not refused here: inputs.py
        # refuses a missing value in the API's words, next to the other fields' problems.
        marked = [field for field in self.fields.values() if field.required]
        for field in marked:
            field.required = False
        try:
            super().full_clean()
        finally:
            for field in marked:
                field.required = True

    def given(self) -> dict[str, Any]:
        """What inputs.company_changes takes: every text field, and the logo when one was
        uploaded (None when it is to be removed)."""
        data = self.cleaned_data
        given = {
            name: data.get(name, "")
            for name in ("name", "nip", "street", "postal_code", "city", "country", "email",
                         "phone", "language", "time_zone")
        }  # fmt: skip
        if data.get("logo"):
            given["logo"] = data["logo"]
        elif data.get("remove_logo"):
            given["logo"] = None
        return given
