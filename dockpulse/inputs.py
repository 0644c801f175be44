"""The shared step of every app's input layer: clean each given field with its cleaner.

Apps list one cleaner per field (`inputs.py`); `clean_fields` runs them, collects every
field's error at once and raises `InvalidInput`, which still carries the fields that did
clean, so a service can add its own objections (a taken code) to the same 400.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Cleaner = Callable[[Any], Any]


class InvalidInput(ValidationError):
    """Some fields did not clean. `given` holds every field given, cleaned where it could
    be (as the API names them), and `valid` the names that did clean, so the service can
    still apply its own rules to them and every problem is reported at once."""

    def __init__(
        self, errors: dict[str, list[str]], *, given: dict[str, Any], valid: frozenset[str]
    ) -> None:
        super().__init__(errors)
        self.given = given
        self.valid = valid


def clean_fields(
    given: Mapping[str, Any],
    *,
    cleaners: Mapping[str, Cleaner],
    required: tuple[str, ...],
    entity: str,
    as_given: Callable[[dict[str, Any]], dict[str, Any]] = dict,
) -> dict[str, Any]:
    """The cleaned values of the fields in `given`, or InvalidInput with all errors.

    `as_given` maps cleaned values back to the API's names for the error's `given` (the
    customer's address is one value but four API fields).
    """
    unknown = set(given) - set(cleaners)
    if unknown:
        # The serializer, the form and the CSV reader refuse unknown names; reaching here
        # is a caller's bug, not a user's typo.
        raise TypeError(f"not {entity} fields: {', '.join(sorted(unknown))}")
    errors = {name: [_("This field is required.")] for name in required if name not in given}
    cleaned: dict[str, Any] = {}
    for name, clean in cleaners.items():
        if name in given:
            try:
                cleaned[name] = clean(given[name])
            except ValidationError as exc:
                errors[name] = exc.messages
    if errors:
        raise InvalidInput(errors, given={**given, **as_given(cleaned)}, valid=frozenset(cleaned))
    return cleaned
