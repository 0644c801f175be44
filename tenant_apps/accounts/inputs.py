"""Cleaning a user's values: the forms they are stored in, and what is refused.

One place for the rules every way in applies (the API, the admin's forms, commands,
provisioning): e-mails lower-cased and valid, a role the product knows, a name that is not
blank, a phone in E.164. Problems are per-field lists, so a caller can add its own (the
password's, a self-demotion) and answer them all at once. Uniqueness needs the database
and stays in the services.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from dockpulse.phones import normalize_phone

from .models import Role, normalize_email

FieldErrors = dict[str, list[str]]


def clean_email(email: str) -> str:
    # Logins look e-mails up lower-cased; a mixed-case one could never log in.
    return normalize_email(email)


def clean_phone(phone: str) -> str:
    """E.164, or "" for none (a staff user needs no phone); ValidationError otherwise."""
    phone = phone.strip()
    # The same rule as customers': the SMS channel sends to the stored value as is.
    return normalize_phone(phone) if phone else ""


def user_field_errors(
    *, email: str | None, name: str | None, role: str | None, phone: str | None
) -> tuple[FieldErrors, str | None]:
    """The per-field errors of the values given (None: not given), and the phone as it is
    stored (None when not given)."""
    errors: FieldErrors = {}
    if email is not None:
        try:
            validate_email(email)
        except ValidationError as exc:
            errors["email"] = list(exc.messages)
    if role is not None and role not in Role.values:
        errors["role"] = [_("Choose admin, manager or employee.")]
    if name is not None and not name.strip():
        errors["name"] = [_("Enter the user's name.")]
    if phone is not None:
        try:
            phone = clean_phone(phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    return errors, phone
