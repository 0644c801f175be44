from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def validation_error_line(exc: ValidationError) -> CommandError:
    """One line naming each bad field, with exit code 2 (bad input)."""
    if hasattr(exc, "error_dict"):
        parts = [f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()]
    else:
        parts = list(exc.messages)
    return CommandError("; ".join(parts), returncode=2)
