"""Platform admins' second factor: TOTP enrolment, verification with a TOTP or recovery
code, and the operator's reset (docs/platform.md).

The devices are django-otp's (`otp_totp`, `otp_static`). Every code typed is counted by
the one lockout (dockpulse.security.lockout, scope `platform-otp`) before it is checked,
per admin and per client address, as every password is; django-otp's own per-device
back-off is switched off in settings (one mechanism, one message, one test of races).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dockpulse.errors import DomainError, NotFound, StateConflict
from dockpulse.security import lockout
from tenant_apps.accounts.models import User, normalize_email

from .audit import AuditOrigin, audit_record

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
_SEPARATORS = re.compile(r"[\s-]+")


class WrongCode(DomainError):
    code = "wrong_code"
    status = 400


def is_platform_admin(user: Any) -> bool:
    """Who may use the platform host at all: an active platform user with admin access."""
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


def otp_policy() -> lockout.Policy:
    return lockout.Policy(
        scope="platform-otp",
        per_identity=settings.PLATFORM_OTP_MAX_FAILURES,
        per_address=settings.PLATFORM_OTP_MAX_FAILURES_PER_IP,
        window=settings.LOGIN_LOCKOUT_SECONDS,
    )


def _clean(code: str) -> str:
    """Codes are typed with spaces or dashes ("123 456", "abcd-efgh"), in either case."""
    return _SEPARATORS.sub("", code).lower()


def _reserve(*, user: User, origin: AuditOrigin) -> lockout.Attempt:
    """Count this code against the lockout before it is checked (raises LockedOut)."""
    return lockout.reserve(policy=otp_policy(), identity=user.email, address=origin.ip or "")


def _wrong(*, user: User, origin: AuditOrigin, step: str) -> WrongCode:
    audit_record(
        action="platform.otp_failed", actor=user.email, origin=origin, details={"step": step}
    )
    return WrongCode(_("That code is not right. Check the time on your phone and try again."))


def user_has_totp(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The admin's authenticator waiting for its first code: made on the first visit, the
    same secret on a reload (so a QR code already scanned stays right)."""
    with transaction.atomic(using="default"):
        device: TOTPDevice | None = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("id")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _recovery_codes_replace(*, user: User) -> list[str]:
    """A new set of recovery codes; any earlier set stops working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.PLATFORM_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@dataclass(frozen=True, slots=True)
class Enrolled:
    device: TOTPDevice
    recovery_codes: list[str]  # shown once, on the page that confirms the enrolment


def totp_enrolment_confirm(*, user: User, code: str, origin: AuditOrigin) -> Enrolled:
    """The first code from the app proves it holds the secret: the device counts from now
    on and the admin gets their recovery codes. Raises WrongCode, LockedOut."""
    attempt = _reserve(user=user, origin=origin)
    with transaction.atomic(using="default"):
        device: TOTPDevice | None = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("id")
            .first()
        )
        if device is None:
            raise StateConflict(_("Start the set-up again: there is no authenticator waiting."))
        accepted = bool(device.verify_token(_clean(code)))
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            # One authenticator per admin: an older one (a lost phone) stops working.
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            codes = _recovery_codes_replace(user=user)
            audit_record(
                action="platform.otp_enrolled",
                actor=user.email,
                origin=origin,
                details={"recovery_codes": len(codes)},
            )
    if not accepted:
        raise _wrong(user=user, origin=origin, step="enrolment")
    lockout.succeeded(attempt)
    return Enrolled(device=device, recovery_codes=codes)


@dataclass(frozen=True, slots=True)
class Verified:
    device: TOTPDevice | StaticDevice
    method: Literal["totp", "recovery"]
    recovery_codes_left: int | None


def platform_otp_verify(*, user: User, code: str, origin: AuditOrigin) -> Verified:
    """The second step of a sign-in: a code from the app, or one recovery code (used up).
    Audited as the admin's sign-in. Raises WrongCode, LockedOut."""
    attempt = _reserve(user=user, origin=origin)
    token = _clean(code)
    verified: Verified | None = None
    with transaction.atomic(using="default"):
        if token.isdigit():
            for totp in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if totp.verify_token(token):
                    verified = Verified(device=totp, method="totp", recovery_codes_left=None)
                    break
        elif token:
            for static in StaticDevice.objects.select_for_update().filter(
                user=user, confirmed=True
            ):
                if static.verify_token(token):
                    left = StaticToken.objects.filter(device=static).count()
                    verified = Verified(device=static, method="recovery", recovery_codes_left=left)
                    break
        if verified is not None:
            details: dict[str, Any] = {"method": verified.method}
            if verified.recovery_codes_left is not None:
                details["recovery_codes_left"] = verified.recovery_codes_left
            audit_record(
                action="platform.signed_in", actor=user.email, origin=origin, details=details
            )
    if verified is None:
        raise _wrong(user=user, origin=origin, step="sign-in")
    lockout.succeeded(attempt)
    return verified


def platform_otp_reset(*, email: str, actor: str, origin: AuditOrigin | None = None) -> int:
    """Remove a platform admin's authenticator and recovery codes: they set up a new one at
    their next sign-in, and sessions verified by the old one lose the second factor.
    Returns how many devices were removed. Raises NotFound for an unknown e-mail."""
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is None:
        raise NotFound(_("There is no platform user %(email)s.") % {"email": email})
    with transaction.atomic(using="default"):
        removed_totp, _detail = TOTPDevice.objects.filter(user=user).delete()
        removed_static = StaticDevice.objects.filter(user=user).count()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            action="platform.otp_reset",
            actor=actor,
            origin=origin,
            details={
                "user": user.email,
                "authenticators": removed_totp,
                "recovery_sets": removed_static,
            },
        )
    lockout.clear(policy=otp_policy(), identity=user.email)
    return removed_totp + removed_static


def platform_session_record(*, user: Any, action: str, origin: AuditOrigin) -> None:
    """A platform admin's session ended (signed out, or expired after inactivity)."""
    audit_record(action=action, actor=getattr(user, "email", "") or "-", origin=origin)
