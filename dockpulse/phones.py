"""Phone numbers as stored everywhere (customers, staff): E.164, Poland by default.

One normaliser for every app, so a number typed as `600 700 800` on one form and
`+48 600 700 800` on another is the same stored value: portal logins look customers up by
it, and the SMS channel sends to it as it is.
"""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_REGION = "PL"  # numbers typed without a country code are Polish ones


def normalize_phone(raw: str) -> str:
    """`raw` in E.164 (`+48600700800`); ValidationError with a message for the field."""
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a phone number, e.g. 601 234 567 or +48 601 234 567.")
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This is not a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
