"""Notification texts, rendered from templates in the recipient's language.

Layout (in the project's template folders or any app's `templates/`):

    notifications/<channel>/<name>.txt           the body
    notifications/<channel>/<name>.subject.txt   the e-mail subject or push title (optional)

`<name>` is tried as the template name a trigger chose, then the event type
(`order.created`), then `default`. Templates see:

    payload      the event's payload (a dict)
    event_type   "order.created"
    entity_type  "order" (the event type up to its first dot)
    entity       a label for the entity: the payload's number, name, title, e-mail or id
    currency     the currency code for `money` ("PLN" unless given)
    language     the language being rendered
    ...and whatever the caller adds in `context`.

They are plain text, rendered without HTML escaping (an SMS must say "Smith & Sons", not
"Smith &amp; Sons"), by an engine of their own with the `i18n`, `l10n` and `notify`
(templatetags.py: `money`, `as_date`) libraries; the project's engine cannot load `notify`.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context, Engine, TemplateDoesNotExist, engines
from django.template.backends.django import DjangoTemplates
from django.template.base import Template
from django.utils import timezone as dj_timezone
from django.utils import translation

DEFAULT_CURRENCY = "PLN"
DEFAULT_TEMPLATE = "default"
TEMPLATE_ROOT = "notifications"
# Names become file paths: nothing that could climb out of the folder.
_NAME = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")
_ENTITY_KEYS = ("number", "name", "title", "email", "id")


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str  # the e-mail subject or push title; "" for SMS
    body: str


@functools.cache
def _engine() -> Engine:
    """An engine on the project's template folders, without autoescaping."""
    project = next((e for e in engines.all() if isinstance(e, DjangoTemplates)), None)
    return Engine(
        dirs=list(project.engine.dirs) if project else [],
        app_dirs=project.engine.app_dirs if project else True,
        autoescape=False,
        libraries={
            "i18n": "django.templatetags.i18n",
            "l10n": "django.templatetags.l10n",
            "notify": "dockpulse.notify.templatetags",
        },
    )


@receiver(setting_changed)
def _forget_engine(*, setting: str, **kwargs: Any) -> None:
    if setting in ("TEMPLATES", "INSTALLED_APPS"):
        _engine.cache_clear()


def _check_name(kind: str, value: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(f"{kind} {value!r} is not a valid notification template name")
    return value


def _tidy(text: str) -> str:
    """No trailing spaces, no runs of blank lines: what template tags on their own lines
    leave behind."""
    lines: list[str] = []
    for line in text.strip().splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines)


def entity_label(payload: Mapping[str, Any]) -> str:
    for key in _ENTITY_KEYS:
        value = payload.get(key)
        if value not in (None, ""):
            return str(value)
    return ""


def render_message(
    *,
    channel: str,
    event_type: str,
    payload: Mapping[str, Any],
    language: str,
    template_name: str | None = None,
    currency: str | None = None,
    context: Mapping[str, Any] | None = None,
    timezone: str | None = None,
) -> RenderedMessage:
    """Render the message for `channel` ("sms", "email", "push") about `event_type`.

    `language` is activated while rendering (translations, number and date formats);
    `timezone` (e.g. "Europe/Warsaw"), when given, is the one date-times are shown in.
    `currency` defaults to the payload's `currency`, then PLN.

    Raises ValueError for malformed names, TemplateDoesNotExist when not even the
    channel's default template exists.
    """
    _check_name("channel", channel)
    _check_name("event type", event_type)
    names = [event_type, DEFAULT_TEMPLATE]
    if template_name:
        names.insert(0, _check_name("template name", template_name))
    names = list(dict.fromkeys(names))  # without repeats, in order
    engine = _engine()

    body_paths = [f"{TEMPLATE_ROOT}/{channel}/{n}.txt" for n in names]
    body_template = engine.select_template(body_paths)
    # The subject follows the body: from the same name, else from the ones after it.
    first = body_paths.index(str(body_template.origin.template_name))
    subject_template: Template | None
    try:
        subject_template = engine.select_template(
            [f"{TEMPLATE_ROOT}/{channel}/{n}.subject.txt" for n in names[first:]]
        )
    except TemplateDoesNotExist:
        subject_template = None

    values: dict[str, Any] = {
        "payload": payload,
        "event_type": event_type,
        "entity_type": event_type.split(".", 1)[0],
        "entity": entity_label(payload),
        "currency": currency or payload.get("currency") or DEFAULT_CURRENCY,
        "language": language,
        **(context or {}),
    }
    # No timezone given: whatever is active stays (override(None) would drop it).
    zone = dj_timezone.override(timezone) if timezone else contextlib.nullcontext()
    with translation.override(language), zone:
        body = _tidy(body_template.render(Context(values, autoescape=False)))
        subject = ""
        if subject_template is not None:
            # One line: a newline in a subject would be refused as a header injection.
            subject = " ".join(subject_template.render(Context(values, autoescape=False)).split())
    return RenderedMessage(subject=subject, body=body)
