"""Domain errors: what services raise and every interface turns into words.

One base, `DomainError`, with a machine `code` and the HTTP `status` the API answers
with. The API's one exception handler (dockpulse/api/errors.py) renders any of them as
`{"error": {"code", "message", "fields"}}`; pages show `message` as a form error; commands
print it on one line with exit code 2. Per-field input errors stay Django's
`ValidationError` (400 with `fields`).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the rules refuse. Subclasses set `code` and `status`."""

    code: str = "error"
    status: int = 400

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        # Travels to the client next to the message, e.g. the allowed next states.
        self.extra = extra


class StateConflict(DomainError):
    """The request is valid but the record's state forbids it."""

    code = "conflict"
    status = 409


class PlanLimitError(DomainError):
    """One more would exceed the tenant's plan."""

    code = "plan_limit_reached"
    status = 403


class NotPermitted(DomainError):
    """The actor's role may not do this."""

    code = "permission_denied"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404
