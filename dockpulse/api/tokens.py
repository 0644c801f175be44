"""Staff JWTs bound to one tenant.

Every token carries `type` ("staff"; the portal's customers get "portal" tokens, made by
the portal app), the tenant's id and the user's role. The tenant claim is checked before
anything is looked up, so tenant A's token on tenant B's host — or on a restored copy of
A, whose user ids are the same but whose tenant id is new — is a 401, never a lookup in
the wrong database. `decode()` refuses a token of another type, so portal tokens are 401
on staff endpoints and staff tokens on the portal's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken, Token

from dockpulse.security import lockout
from dockpulse.tenancy import get_current_tenant, tenant_atomic

# Users are whatever AUTH_USER_MODEL names (get_user_model(), looked up per call: this module
# may be imported before the app registry is ready), so the core imports no app for them.

STAFF = "staff"


def _check_claims(payload: dict[str, Any], expected_type: str) -> None:
    if payload.get("tenant") != str(get_current_tenant().id):
        raise exceptions.AuthenticationFailed(
            _("This token belongs to another account."), code="token_not_valid"
        )
    if payload.get("type") != expected_type:
        raise exceptions.AuthenticationFailed(
            _("This token is not for this part of the API."), code="token_not_valid"
        )


def decode(raw: str, token_class: type[Token], expected_type: str = STAFF) -> dict[str, Any]:
    """The verified payload; signature, expiry and claims checked, nothing looked up."""
    from rest_framework_simplejwt.state import token_backend

    try:
        payload: dict[str, Any] = token_backend.decode(cast(Any, raw), verify=True)
    except (TokenError, TokenBackendError) as exc:  # the backend's errors are not TokenErrors
        raise exceptions.AuthenticationFailed(str(exc), code="token_not_valid") from exc
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != token_class.token_type:
        raise exceptions.AuthenticationFailed(_("Wrong kind of token."), code="token_not_valid")
    _check_claims(payload, expected_type)
    return payload


def _credentials_stamp(user: AbstractBaseUser) -> str:
    # Django signs sessions with an HMAC of the password hash; tokens carry a piece of the
    # same value, so any password change, on any path (reset link, page, admin, command),
    # voids every token issued before it, access tokens included.
    return user.get_session_auth_hash()[:24]


def check_credentials_stamp(payload: dict[str, Any], user: AbstractBaseUser) -> None:
    if payload.get("pwd") != _credentials_stamp(user):
        raise exceptions.AuthenticationFailed(
            _("Your password has changed; log in again."), code="token_not_valid"
        )


def _tokens_for(user: AbstractBaseUser, *, auth_time: int) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    refresh["type"] = STAFF
    refresh["tenant"] = str(get_current_tenant().id)
    refresh["role"] = getattr(user, "role", "")
    refresh["pwd"] = _credentials_stamp(user)
    # When the password was last typed: rotation renews a refresh token, but never past
    # JWT_REFRESH_ABSOLUTE_DAYS after the login it descends from.
    refresh["auth_time"] = auth_time
    absolute_end = auth_time + int(settings.JWT_REFRESH_ABSOLUTE_LIFETIME.total_seconds())
    if int(refresh["exp"]) > absolute_end:
        refresh.set_exp(from_time=_from_timestamp(absolute_end), lifetime=timedelta(0))
    access = refresh.access_token
    if int(access["exp"]) > absolute_end:
        access.set_exp(from_time=_from_timestamp(absolute_end), lifetime=timedelta(0))
    return {"access": str(access), "refresh": str(refresh)}


def token_obtain(*, request: HttpRequest, email: str, password: str) -> dict[str, str]:
    """Log a staff user in; repeated failures lock the e-mail out for a while (the
    authentication backend counts them, as it does for the login pages)."""
    user = authenticate(request, username=email, password=password)
    locked = lockout.lock_of(request)
    if locked is not None:
        raise exceptions.Throttled(wait=locked.retry_after, detail=locked.message)
    if user is None:
        raise exceptions.AuthenticationFailed(
            _("Wrong e-mail or password."), code="invalid_credentials"
        )
    now = _now()
    with tenant_atomic():
        get_user_model().objects.filter(pk=user.pk).update(last_login=now)
        return _tokens_for(user, auth_time=int(now.timestamp()))


def token_refresh(*, raw: str) -> dict[str, str]:
    payload = decode(raw, RefreshToken)
    try:
        user_id = uuid.UUID(str(payload[api_settings.USER_ID_CLAIM]))
        user = get_user_model().objects.filter(pk=user_id).first()
    except (KeyError, ValueError):
        user = None
    if user is None or not user.is_active:
        raise exceptions.AuthenticationFailed(
            _("No active account found for the given token."), code="no_active_account"
        )
    check_credentials_stamp(payload, user)
    auth_time = int(payload.get("auth_time") or payload.get("iat") or 0)
    if _now().timestamp() >= auth_time + settings.JWT_REFRESH_ABSOLUTE_LIFETIME.total_seconds():
        raise exceptions.AuthenticationFailed(
            _("Your session has ended; log in again."), code="token_not_valid"
        )
    with tenant_atomic():
        try:
            refresh = RefreshToken(cast(Any, raw))  # also refuses a blacklisted token
            refresh.blacklist()
        except TokenError as exc:
            raise exceptions.AuthenticationFailed(str(exc), code="token_not_valid") from exc
        return _tokens_for(user, auth_time=auth_time)


def token_blacklist(*, raw: str) -> None:
    decode(raw, RefreshToken)
    with tenant_atomic():
        try:
            RefreshToken(cast(Any, raw)).blacklist()
        except TokenError as exc:
            raise exceptions.AuthenticationFailed(str(exc), code="token_not_valid") from exc


def _now() -> datetime:
    return timezone.now()


def _from_timestamp(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)
