"""Staff JWTs bound to one tenant.

Every token carries `type` ("staff"; the portal's will be "customer"), the tenant's id and
the user's role. The tenant claim is checked before anything is looked up, so tenant A's
token on tenant B's host — or on a restored copy of A, whose user ids are the same but
whose tenant id is new — is a 401, never a lookup in the wrong database.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken, Token

from dockpulse.tenancy import get_current_tenant, tenant_atomic
from tenant_apps.accounts.models import User

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
    except TokenError as exc:
        raise exceptions.AuthenticationFailed(str(exc), code="token_not_valid") from exc
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != token_class.token_type:
        raise exceptions.AuthenticationFailed(_("Wrong kind of token."), code="token_not_valid")
    _check_claims(payload, expected_type)
    return payload


def _tokens_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    refresh["type"] = STAFF
    refresh["tenant"] = str(get_current_tenant().id)
    refresh["role"] = user.role
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _lock_key(email: str) -> str:
    # The cache key function adds the tenant: a lockout on one tenant is not another's.
    return f"login-failures:{email.strip().lower()}"


def token_obtain(*, request: HttpRequest, email: str, password: str) -> dict[str, str]:
    """Log a staff user in; repeated failures lock the e-mail out for a while."""
    key = _lock_key(email)
    failures = cache.get(key, 0)
    if failures >= settings.LOGIN_MAX_FAILURES:
        raise exceptions.Throttled(
            wait=settings.LOGIN_LOCKOUT_SECONDS,
            detail=_("Too many failed logins; try again later."),
        )
    user = authenticate(request, username=email, password=password)
    if user is None:
        try:
            failures = cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_LOCKOUT_SECONDS)
        raise exceptions.AuthenticationFailed(
            _("Wrong e-mail or password."), code="invalid_credentials"
        )
    cache.delete(key)
    assert isinstance(user, User)
    with tenant_atomic():
        User.objects.filter(pk=user.pk).update(last_login=_now())
        return _tokens_for(user)


def token_refresh(*, raw: str) -> dict[str, str]:
    payload = decode(raw, RefreshToken)
    try:
        user = User.objects.filter(pk=uuid.UUID(str(payload[api_settings.USER_ID_CLAIM]))).first()
    except (KeyError, ValueError):
        user = None
    if user is None or not user.is_active:
        raise exceptions.AuthenticationFailed(
            _("No active account found for the given token."), code="no_active_account"
        )
    with tenant_atomic():
        try:
            refresh = RefreshToken(cast(Any, raw))  # also refuses a blacklisted token
            refresh.blacklist()
        except TokenError as exc:
            raise exceptions.AuthenticationFailed(str(exc), code="token_not_valid") from exc
        return _tokens_for(user)


def token_blacklist(*, raw: str) -> None:
    decode(raw, RefreshToken)
    with tenant_atomic():
        try:
            RefreshToken(cast(Any, raw)).blacklist()
        except TokenError as exc:
            raise exceptions.AuthenticationFailed(str(exc), code="token_not_valid") from exc


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()
