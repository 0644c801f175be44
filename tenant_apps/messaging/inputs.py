"""Cleaning a message's text before the service stores it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import BODY_MAX_LENGTH


def message_body(raw: Any) -> str:
    """The text as stored: line endings made one kind (a browser sends CRLF, which would
    count twice against the limit), trimmed. ValidationError on `body` when it is empty
    or too long."""
    text = "" if raw is None else str(raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError({"body": [_("Write a message before sending it.")]})
    if len(text) > BODY_MAX_LENGTH:
        message = ngettext(
            "A message may have at most %(limit)d character; this one has %(count)d.",
            "A message may have at most %(limit)d characters; this one has %(count)d.",
            BODY_MAX_LENGTH,
        ) % {"limit": BODY_MAX_LENGTH, "count": len(text)}
        raise ValidationError({"body": [message]})
    return text
