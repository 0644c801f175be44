"""Cleaning a trigger's values before a service writes them.

The API's serializer checks the shape (and refuses unknown fields); this checks what the
values mean: a known event type and channel, an action config that fits the channel, a
code the renderer and the log can use. Per-field problems are Django's ValidationError,
all fields at once, with the messages the API has always answered with. What needs the
database (a code another trigger has) is the service's check.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse.events.types import EVENT_TYPES

from .models import ActionType, WorkflowTrigger

# Who a channel can reach by name; a list of addresses is the other way (not for push).
AUDIENCES: dict[str, frozenset[str]] = {
    ActionType.SMS: frozenset({"admins", "customer"}),
    ActionType.EMAIL: frozenset({"admins", "customer"}),
    ActionType.PUSH: frozenset({"admins", "staff", "customer"}),
}
# The renderer's own rule for template names (dockpulse/notify/templates.py).
_TEMPLATE = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,99}$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class TriggerInput:
    """A new trigger's cleaned values."""

    name: str
    event_type: str
    action_type: str
    action_config: dict[str, Any] = field(default_factory=dict)
    code: str = ""  # blank: the service makes one from the event type and channel
    is_enabled: bool = True


class TriggerChanges(TypedDict, total=False):
    """A trigger's cleaned new values; only the keys present change."""

    code: str
    name: str
    event_type: str
    action_type: str
    action_config: dict[str, Any]
    is_enabled: bool


def trigger_input(
    *,
    name: str,
    event_type: str,
    action_type: str,
    action_config: Mapping[str, Any] | None = None,
    code: str = "",
    is_enabled: bool = True,
) -> TriggerInput:
    """Clean a new trigger's values, or raise ValidationError naming every bad field."""
    given: dict[str, Any] = {
        "name": name,
        "event_type": event_type,
        "action_type": action_type,
        "action_config": action_config,
        "code": code,
        "is_enabled": is_enabled,
    }
    cleaned = _clean(given, current={}, previous_config={}, clean_config=True)
    return TriggerInput(
        name=cleaned["name"],
        event_type=cleaned["event_type"],
        action_type=cleaned["action_type"],
        action_config=cleaned["action_config"],
        code=cleaned["code"],
        is_enabled=cleaned["is_enabled"],
    )


def trigger_changes(trigger: WorkflowTrigger, given: Mapping[str, Any]) -> TriggerChanges:
    """Clean a partial update of `trigger` (the keys given, e.g. a PATCH body).

    The result is checked as the trigger would be after the change: a new channel checks
    the stored config against it, and a new config keeps the stored webhook secret unless
    it gives one.
    """
    current = {
        "code": trigger.code,
        "name": trigger.name,
        "event_type": trigger.event_type,
        "action_type": trigger.action_type,
        "action_config": trigger.action_config,
        "is_enabled": trigger.is_enabled,
    }
    cleaned = _clean(
        given,
        current=current,
        previous_config=trigger.action_config,
        clean_config="action_config" in given or "action_type" in given,
    )
    # TypedDict keys must be literal: copy the known ones across.
    changes = TriggerChanges(
        code=cleaned["code"],
        name=cleaned["name"],
        event_type=cleaned["event_type"],
        action_type=cleaned["action_type"],
        is_enabled=cleaned["is_enabled"],
    )
    if "action_config" in cleaned:
        changes["action_config"] = cleaned["action_config"]
    return changes


def _clean(
    given: Mapping[str, Any],
    *,
    current: Mapping[str, Any],
    previous_config: Mapping[str, Any],
    clean_config: bool,
) -> dict[str, Any]:
    merged = {**current, **given}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    event_type = str(merged.get("event_type") or "")
    if event_type not in EVENT_TYPES:
        errors["event_type"] = [_("Unknown event type.")]
    action_type = str(merged.get("action_type") or "")
    if action_type not in ActionType.values:
        errors["action_type"] = [
            _("Choose one of: %(names)s.") % {"names": ", ".join(ActionType.values)}
        ]
    elif clean_config:
        try:
            cleaned["action_config"] = clean_action_config(
                action_type, merged.get("action_config") or {}, previous=previous_config
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    name = str(merged.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Enter a name.")]
    code = str(merged.get("code") or "").strip().lower()
    if code and not _CODE.match(code):
        errors["code"] = [_("Use lower-case letters, digits, . _ and -.")]
    if errors:
        raise ValidationError(errors)
    cleaned.update(
        code=code,
        name=name[:255],
        event_type=event_type,
        action_type=action_type,
        is_enabled=bool(merged.get("is_enabled", True)),
    )
    return cleaned


def clean_action_config(
    action_type: str, config: Any, *, previous: Mapping[str, Any]
) -> dict[str, Any]:
    """The settings of one channel: whom to reach and how (ValidationError on
    `action_config`, one message per problem)."""
    if not isinstance(config, dict):
        raise ValidationError({"action_config": [_("Enter an object.")]})
    errors: list[str] = []
    if action_type == ActionType.WEBHOOK:
        from dockpulse.notify.webhooks import generate_secret, validate_webhook_url

        allowed = {"url", "secret"}
        url = str(config.get("url") or "").strip()
        try:
            url = validate_webhook_url(url)
        except ValidationError as exc:
            errors += [_("url: %(error)s") % {"error": m} for m in exc.messages]
        secret = str(config.get("secret") or previous.get("secret") or generate_secret())
        if not _usable_secret(secret):
            errors.append(_("secret: leave it out to have one made, or give a whsec_ secret."))
        if len(url) > 500:
            errors.append(_("url: enter at most 500 characters."))
        cleaned: dict[str, Any] = {"url": url, "secret": secret}
    else:
        allowed = {"to", "template"}
        to = config.get("to")
        audiences = AUDIENCES[action_type]
        if isinstance(to, str):
            if to not in audiences:
                errors.append(
                    _("to: choose one of %(names)s, or give a list of addresses.")
                    % {"names": ", ".join(sorted(audiences))}
                )
        elif isinstance(to, list) and to and action_type != ActionType.PUSH:
            pattern = _PHONE if action_type == ActionType.SMS else _EMAIL
            bad = [str(a) for a in to if not isinstance(a, str) or not pattern.match(a)]
            if bad:
                errors.append(_("to: not valid: %(values)s.") % {"values": ", ".join(bad)})
        elif action_type == ActionType.PUSH:
            errors.append(
                _("to: choose one of %(names)s.") % {"names": ", ".join(sorted(audiences))}
            )
        else:
            errors.append(
                _("to: choose one of %(names)s, or give a list of addresses.")
                % {"names": ", ".join(sorted(audiences))}
            )
        cleaned = {"to": to}
        if config.get("template"):
            template = str(config["template"])
            if len(template) > 100 or not _TEMPLATE.match(template):
                errors.append(_("template: use lower-case letters, digits, . _ and -."))
            cleaned["template"] = template
    unknown = sorted(set(config) - allowed)
    if unknown:
        errors.append(_("Unknown settings: %(names)s.") % {"names": ", ".join(unknown)})
    if errors:
        raise ValidationError({"action_config": errors})
    return cleaned


def _usable_secret(secret: str) -> bool:
    """A Standard Webhooks secret: whsec_ and base64 of at least 24 bytes."""
    if not secret.startswith("whsec_"):
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(key) >= 24
