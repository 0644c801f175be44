"""The workflow trigger form of the settings pages (/settings/triggers/).

It lays the trigger's action settings out as fields (whom to reach, the template, the
webhook's address) and hands them to inputs.py as the API's `action_config`; the checks
are inputs.py's, and their messages come back on the field they are about.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dockpulse.events.types import EVENT_TYPES

from .models import ActionType, WorkflowTrigger

LIST = "list"
RECIPIENTS = [
    ("admins", _("The administrators")),
    ("staff", _("All staff users (in-app notifications only)")),
    ("customer", _("The customer the event is about")),
    (LIST, _("These addresses")),
]
# inputs.clean_action_config names the setting a problem is about: "to: ...", "url: ...".
_ABOUT = re.compile(r"^(to|url|secret|template): (.*)$", re.DOTALL)


def event_type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The known event types, grouped by family (order.*, quote.*, ...)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for event_type in EVENT_TYPES:
        groups.setdefault(event_type.partition(".")[0], []).append((event_type, event_type))
    return list(groups.items())


class TriggerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    event_type = forms.ChoiceField(label=_("When this happens"), choices=[])
    action_type = forms.ChoiceField(label=_("Send"), choices=ActionType.choices)
    to = forms.ChoiceField(label=_("To"), choices=RECIPIENTS, required=False)
    addresses = forms.CharField(
        label=_("Addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "With “These addresses”: phone numbers (+48601234567) for SMS or e-mail "
            "addresses, one per line."
        ),
    )
    template = forms.CharField(
        label=_("Message template"),
        max_length=100,
        required=False,
        help_text=_(
            "Leave blank for the event's own message or the default one; see the "
            "placeholders below."
        ),
    )
    url = forms.CharField(label=_("Webhook URL"), max_length=500, required=False)
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        help_text=_("Leave blank to keep the current one (a new trigger gets one made)."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=100,
        required=False,
        help_text=_("A short name for logs; leave blank to have one made."),
    )
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, trigger: WorkflowTrigger | None = None, **kwargs: Any) -> None:
        if trigger is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(trigger)
        super().__init__(*args, **kwargs)
        self.trigger = trigger
        self.fields["event_type"].choices = event_type_choices()  # type: ignore[attr-defined]

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
        """The trigger's values as the API takes them (TriggerIn), for inputs.py."""
        data = self.cleaned_data
        action_type = data["action_type"]
        config: dict[str, Any]
        if action_type == ActionType.WEBHOOK:
            config = {"url": data.get("url", "").strip()}
            if data.get("secret", "").strip():
                config["secret"] = data["secret"].strip()
        else:
            to: Any = data.get("to") or ""
            if to == LIST:
                to = [a.strip() for a in re.split(r"[\s,;]+", data.get("addresses", "")) if a]
            config = {"to": to}
            if data.get("template", "").strip():
                config["template"] = data["template"].strip()
        given = {
            "name": data["name"],
            "event_type": data["event_type"],
            "action_type": action_type,
            "action_config": config,
            "is_enabled": bool(data.get("is_enabled")),
        }
        code = data.get("code", "").strip()
        if code or self.trigger is None:
            given["code"] = code  # blank on an edit: the code stays
        return given

    def add_input_errors(self, error: ValidationError) -> None:
        """inputs.py's errors on the fields they are about (the settings inside
        `action_config` each on its own field)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        chosen_to = self.cleaned_data.get("to")
        for name, problems in error.message_dict.items():
            if name != "action_config":
                self.add_error(name if name in self.fields else None, problems)
                continue
            for problem in problems:
                about = _ABOUT.match(problem)
                if about is None:
                    self.add_error(None, problem)
                    continue
                target = about.group(1)
                if target == "to" and chosen_to == LIST:
                    target = "addresses"
                self.add_error(target, about.group(2))


def initial_of(trigger: WorkflowTrigger) -> dict[str, Any]:
    config = trigger.action_config or {}
    to = config.get("to")
    return {
        "name": trigger.name,
        "code": trigger.code,
        "event_type": trigger.event_type,
        "action_type": trigger.action_type,
        "to": LIST if isinstance(to, list) else (to or ""),
        "addresses": "\n".join(str(a) for a in to) if isinstance(to, list) else "",
        "template": config.get("template", ""),
        "url": config.get("url", ""),
        "is_enabled": trigger.is_enabled,
    }
