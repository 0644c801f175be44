"""The portal's sign-in: phone + password, the forced change, reset by an SMS code.

Customers are rows of `customers`; nothing here reads or writes `users`. Every way in
(the login page, the token endpoint) goes through `customer_portal_login`, which counts
the attempt against the same lockout as the staff's logins (dockpulse.security.lockout,
its own scope) *before* the password is checked.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import customer_actor
from dockpulse.notify.base import SendError
from dockpulse.notify.sms import send_sms
from dockpulse.security import lockout
from dockpulse.tenancy import current_tenant, tenant_atomic
from tenant_apps.customers.models import Customer
from tenant_apps.portal import selectors

logger = logging.getLogger(__name__)

SOURCE = "portal"
LOGIN_SCOPE = "portal-login"
RESET_SCOPE = "portal-reset"
CODE_DIGITS = 6
CODE_LIFETIME = int(getattr(settings, "PORTAL_RESET_CODE_SECONDS", 10 * 60))
CODE_RESEND_AFTER = int(getattr(settings, "PORTAL_RESET_RESEND_SECONDS", 60))
CODE_MAX_TRIES = int(getattr(settings, "PORTAL_RESET_MAX_TRIES", 5))
SMS_TEMPLATE = "portal/sms/reset_code.txt"

# Who may never log in still costs a hash, so a wrong phone and a wrong password take
# as long (Django's ModelBackend does the same for unknown users).
_DUMMY_HASH: list[str] = []


def login_policy() -> lockout.Policy:
    return lockout.Policy(
        scope=LOGIN_SCOPE,
        per_identity=int(getattr(settings, "PORTAL_LOGIN_MAX_FAILURES", 5)),
        per_address=settings.LOGIN_MAX_FAILURES_PER_IP,
        window=settings.LOGIN_LOCKOUT_SECONDS,
    )


def reset_policy() -> lockout.Policy:
    return lockout.Policy(
        scope=RESET_SCOPE,
        per_identity=settings.PASSWORD_RESET_MAX_REQUESTS,
        per_address=settings.PASSWORD_RESET_MAX_REQUESTS_PER_IP,
        window=settings.PASSWORD_RESET_WINDOW_SECONDS,
    )


def _wrong_login() -> ValidationError:
    return ValidationError(_("Wrong phone number or password."), code="invalid_login")


def _spend_a_hash(password: str) -> None:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(make_password(secrets.token_urlsafe(12)))
    check_password(password, _DUMMY_HASH[0])


def customer_portal_login(*, phone: str, password: str, address: str, via: str) -> Customer:
    """The customer whose phone (E.164) and password these are, with portal access on.

    Raises lockout.LockedOut (nothing checked) or ValidationError `invalid_login` (the
    same for an unknown phone, access off and a wrong password). Emits
    `customer.portal_login`; `via` is "page" or "api"."""
    attempt = lockout.reserve(policy=login_policy(), identity=phone, address=address)
    customer = selectors.portal_customer_by_phone(phone)
    if customer is None or not customer.is_portal_active or not customer.portal_password:
        _spend_a_hash(password)
        raise _wrong_login()
    if not check_password(password, customer.portal_password):
        raise _wrong_login()
    lockout.succeeded(attempt)
    with tenant_atomic():
        _emit(customer, "customer.portal_login", {"via": via})
    return customer


def _emit(customer: Customer, event_type: str, extra: dict[str, Any]) -> None:
    events.emit(
        event_type=event_type,
        source_module=SOURCE,
        entity_type="customer",
        entity_id=customer.id,
        payload={"name": customer.name, "phone": customer.phone, **extra},
        actor=customer_actor(customer),
    )


def _check_new_password(customer: Customer, new: str) -> None:
    try:
        # The similarity validator reads `email` (and names): a customer has them too.
        validate_password(new, user=cast(Any, customer))
    except ValidationError as exc:
        raise ValidationError({"new": exc.messages}) from exc


def _store_password(customer: Customer, new: str, *, how: str) -> Customer:
    with tenant_atomic():
        row = Customer.objects.select_for_update().get(pk=customer.pk)
        if not row.is_portal_active or not row.portal_password:
            # Staff turned access off meanwhile: no new password brings it back.
            raise ValidationError(_("Your portal access has been turned off."))
        row.portal_password = make_password(new)
        row.portal_first_login = False
        row.save(update_fields=["portal_password", "portal_first_login", "updated_at"])
        _emit(row, "portal.password_changed", {"how": how})
    return row


def customer_portal_password_change(*, customer: Customer, old: str, new: str) -> Customer:
    """The signed-in customer's new password (the first sign-in's forced change too).

    ValidationError on `old` (wrong) or `new` (Django's validators; the same as the old
    one). Ends the customer's other sessions and tokens (their stamp of the password);
    emits `portal.password_changed`. Returns the updated row."""
    if not customer.portal_password or not check_password(old, customer.portal_password):
        raise ValidationError({"old": [_("Your current password was entered incorrectly.")]})
    if old == new:
        raise ValidationError({"new": [_("Choose a password other than the current one.")]})
    _check_new_password(customer, new)
    return _store_password(customer, new, how="change")


# --- reset by an SMS code -----------------------------------------------------------------
#
# Keys in the tenant's cache (its key function adds the tenant), by a digest of the phone:
# `code` (the code's HMAC, when it was sent, whose it is), `tries` (an atomic counter) and
# `sent` (the 60-second resend lock). `tries` and `sent` exist for unknown phones too, so
# the answers are the same whether a phone has an account or not.


@dataclass(frozen=True, slots=True)
class _Keys:
    code: str
    tries: str
    sent: str


def _keys(phone: str) -> _Keys:
    digest = hashlib.sha256(phone.encode()).hexdigest()[:32]
    return _Keys(f"portal-reset:code:{digest}", f"portal-reset:tries:{digest}",
                 f"portal-reset:sent:{digest}")  # fmt: skip


def _mac(phone: str, code: str) -> str:
    return salted_hmac("dockpulse.portal.reset", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _now() -> float:
    return time.time()


class ResendTooSoon(ValidationError):
    pass


def _sms_text(code: str) -> str:
    tenant = current_tenant()
    context = {"company": tenant.name if tenant is not None else "DockPulse", "code": code,
               "minutes": CODE_LIFETIME // 60}  # fmt: skip
    return " ".join(render_to_string(SMS_TEMPLATE, context).split())


def customer_portal_reset_request(*, phone: str, address: str) -> None:
    """Send a 6-digit code to `phone` (E.164) when it belongs to a customer with portal
    access; otherwise do nothing, visibly the same.

    Raises ResendTooSoon within 60 s of the previous request for the phone, and
    lockout.LockedOut past the hourly limits (per phone, per address)."""
    keys = _keys(phone)
    if not cache.add(keys.sent, 1, timeout=CODE_RESEND_AFTER):
        raise ResendTooSoon(
            _("A code was sent less than a minute ago; wait a moment before asking again."),
            code="resend_too_soon",
        )
    lockout.reserve(policy=reset_policy(), identity=phone, address=address)
    cache.set(keys.tries, 0, timeout=CODE_LIFETIME)
    customer = selectors.portal_customer_by_phone(phone)
    if customer is None or not customer.is_portal_active or not customer.portal_password:
        cache.delete(keys.code)
        return
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    entry = {"mac": _mac(phone, code), "sent": _now(), "customer": str(customer.pk)}
    cache.set(keys.code, entry, timeout=CODE_LIFETIME)
    try:
        send_sms(to=phone, body=_sms_text(code), idempotency_key=f"portal-reset-{uuid.uuid4()}")
    except SendError:
        # The page says the same as for any phone: telling the sender the SMS failed
        # would tell them the phone has an account. Staff see it in the log.
        logger.warning("portal reset code SMS to customer %s failed", customer.pk, exc_info=True)


def _wrong_code() -> ValidationError:
    return ValidationError(
        {"code": [_("This code is wrong or has expired. Check the SMS or ask for a new code.")]}
    )


def customer_portal_reset_confirm(*, phone: str, code: str, new: str) -> Customer:
    """Set a new password with the code sent to `phone`; the code then stops working.

    ValidationError on `new` (checked first: a weak password spends no try) or `code`
    (wrong, expired, used, or the fifth wrong try passed). Returns the customer."""
    customer = selectors.portal_customer_by_phone(phone)
    if customer is not None:
        _check_new_password(customer, new)
    else:
        try:
            validate_password(new)
        except ValidationError as exc:
            raise ValidationError({"new": exc.messages}) from exc
    keys = _keys(phone)
    cache.add(keys.tries, 0, timeout=CODE_LIFETIME)
    tries = int(cache.incr(keys.tries))
    if tries > CODE_MAX_TRIES:
        cache.delete(keys.code)
        raise ValidationError({"code": [_("Too many wrong codes. Ask for a new code.")]})
    entry = cache.get(keys.code)
    if (
        not isinstance(entry, dict)
        or customer is None
        or entry.get("customer") != str(customer.pk)
        or _now() - float(entry.get("sent", 0)) > CODE_LIFETIME
        or not constant_time_compare(str(entry.get("mac", "")), _mac(phone, code.strip()))
    ):
        raise _wrong_code()
    # Used once: gone before the password is stored, so a second request with it fails.
    if not cache.delete(keys.code):
        raise _wrong_code()
    cache.delete(keys.tries)
    row = _store_password(customer, new, how="reset")
    # Whoever locked the phone with wrong passwords no longer knows the right one.
    lockout.clear(policy=login_policy(), identity=phone)
    return row
