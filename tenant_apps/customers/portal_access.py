"""Staff turn a customer's portal access on (a new password by SMS) and off.

The password exists in clear text only in this process's memory and in the SMS: the row
keeps its hash, the event names the changed fields, and no notification delivery row is
written (its body would keep the text). So the SMS is sent here, directly through the SMS
channel, as the last step inside the transaction: when the provider refuses it nothing is
changed and the caller gets a StateConflict in words, rather than a customer whose
password was never delivered (a delivery's later retries would need the clear text).

`portal_auth_version` goes up with every grant and revoke: the portal's sessions and
tokens carry the value they were made with and are void once it differs
(`portal_credentials_current`).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import Actor
from dockpulse.errors import StateConflict
from dockpulse.notify.base import CODE_INVALID_RECIPIENT, SendError
from dockpulse.notify.sms import send_sms
from dockpulse.tenancy import current_tenant, tenant_atomic

from .models import Customer

# Seed section 6.2's alphabet: no 0/O, 1/l/I (nor i, o) to misread on a phone's screen.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
LENGTH = 8
SMS_TEMPLATE = "customers/sms/portal_access.txt"


def initial_password() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def portal_url() -> str:
    """The tenant's portal, on its own host (the SMS is read outside any request)."""
    tenant = current_tenant()
    slug = tenant.slug if tenant is not None else ""
    return f"https://{slug}.{settings.BASE_DOMAIN}/portal/"


def portal_credentials_current(customer: Customer, version: int) -> bool:
    """Whether a portal session or token made at `version` may still be used."""
    return (
        customer.is_portal_active
        and bool(customer.portal_password)
        and customer.portal_auth_version == version
    )


def _landline(phone: str) -> bool:
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return False  # the SMS channel judges it (and refuses it on `phone`)
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE


def _check_phone(customer: Customer) -> None:
    if not customer.phone:
        raise ValidationError(
            {"phone": [_("Add the customer's mobile phone number first: the password is "
                         "sent to it by SMS.")]}
        )  # fmt: skip
    # A provider may take an SMS to a landline and never deliver it: the customer would
    # wait for a password that does not come. Numbers that may be mobile are tried.
    if _landline(customer.phone):
        raise ValidationError(
            {"phone": [_("%(phone)s is a landline, which cannot receive the password by SMS; "
                         "give the customer's mobile number first.")
                       % {"phone": customer.phone}]}
        )  # fmt: skip


def _sms_text(password: str) -> str:
    tenant = current_tenant()
    language = tenant.language if tenant is not None else settings.LANGUAGE_CODE
    context = {
        "company": tenant.name if tenant is not None else "DockPulse",
        "url": portal_url(),
        "password": password,
    }
    with translation.override(language):
        text = render_to_string(SMS_TEMPLATE, context)
    return " ".join(text.split())


def _send(customer: Customer, password: str) -> None:
    try:
        send_sms(
            to=customer.phone,
            body=_sms_text(password),
            idempotency_key=f"portal-access-{uuid.uuid4()}",
        )
    except SendError as exc:
        if exc.code == CODE_INVALID_RECIPIENT:
            raise ValidationError(
                {"phone": [_("An SMS cannot be sent to this number; correct the customer's "
                             "phone number first.")]}
            ) from exc  # fmt: skip
        raise StateConflict(
            _("The SMS with the password could not be sent to %(phone)s, so portal access "
              "was not changed; try again later.") % {"phone": customer.phone},
            code="sms_not_sent",
        ) from exc  # fmt: skip


def _emit(customer: Customer, actor: Actor, changed: list[str], access: str) -> None:
    payload: dict[str, Any] = {
        "name": customer.name,
        "company_name": customer.company_name,
        "phone": customer.phone,
        "changed": changed,
        "portal_access": access,
    }
    events.emit(
        event_type="customer.updated", source_module="customers", entity_type="customer",
        entity_id=customer.id, payload=payload, actor=actor,
    )  # fmt: skip


_SAVED = ["is_portal_active", "portal_password", "portal_first_login", "portal_auth_version"]


def _copy(source: Customer, target: Customer) -> None:
    for name in [*_SAVED, "updated_at"]:
        setattr(target, name, getattr(source, name))


def customer_portal_access_grant(*, customer: Customer, actor: Actor) -> None:
    """Turn portal access on, or send a new password when it is on: a fresh initial
    password by SMS, a change forced at the first sign-in, earlier sessions ended.

    ValidationError on `phone` when no SMS can reach the customer; StateConflict
    (`sms_not_sent`) when the SMS provider fails, and then nothing has changed."""
    _check_phone(customer)
    password = initial_password()
    with tenant_atomic():
        row = Customer.objects.select_for_update().get(pk=customer.pk)
        _check_phone(row)
        changed = ["portal_password"]
        if not row.is_portal_active:
            changed.insert(0, "is_portal_active")
        if not row.portal_first_login:
            changed.append("portal_first_login")
        row.is_portal_active = True
        row.portal_password = make_password(password)
        row.portal_first_login = True
        row.portal_auth_version += 1
        row.save(update_fields=[*_SAVED, "updated_at"])
        _emit(row, actor, changed, "granted" if "is_portal_active" in changed else "renewed")
        # Last: a refused SMS rolls back the password no one received.
        _send(row, password)
    _copy(row, customer)


def customer_portal_access_revoke(*, customer: Customer, actor: Actor) -> None:
    """Turn portal access off: the password is cleared and every portal session and
    token of the customer stops working. Nothing happens when it is off already."""
    with tenant_atomic():
        row = Customer.objects.select_for_update().get(pk=customer.pk)
        if not row.is_portal_active and not row.portal_password:
            _copy(row, customer)
            return
        changed = [name for name in ("is_portal_active", "portal_password")
                   if getattr(row, name)]  # fmt: skip
        row.is_portal_active = False
        row.portal_password = ""
        row.portal_auth_version += 1
        row.save(update_fields=[*_SAVED, "updated_at"])
        _emit(row, actor, changed, "revoked")
    _copy(row, customer)
