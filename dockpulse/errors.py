"""Domain errors that services raise and every interface (API, admin, CLI) turns into words."""

from __future__ import annotations

from typing import Any


class StateConflict(Exception):
    """The request is valid but the record's state forbids it (the API answers 409).

    `extra` travels to the client next to the message, e.g. the allowed next states.
    """

    def __init__(self, message: str, *, code: str = "conflict", **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra
