"""Portal JWTs: `type=portal`, bound to the tenant and to the customer's credentials.

The core's decoder (dockpulse.api.tokens.decode) checks the signature, the expiry, the
tenant and the type before anything is looked up; then the customer's access version and
password stamp must still match (tenant_apps.portal.sessions.credentials_valid), so
revoking access or changing the password voids every token at once, access tokens too.
Refresh tokens rotate (the old one is blacklisted) but never outlive
JWT_REFRESH_ABSOLUTE_DAYS after the password was typed, as the staff's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from dockpulse.api.tokens import decode
from dockpulse.tenancy import get_current_tenant, tenant_atomic
from tenant_apps.customers.models import Customer

from .sessions import credentials_stamp, credentials_valid

PORTAL = "portal"
CUSTOMER_CLAIM = "customer_id"


def _from_timestamp(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def tokens_for(customer: Customer, *, auth_time: int) -> dict[str, str]:
    refresh = RefreshToken()  # not for_user(): a customer is no AUTH_USER_MODEL row
    refresh[CUSTOMER_CLAIM] = str(customer.pk)
    refresh["type"] = PORTAL
    refresh["tenant"] = str(get_current_tenant().id)
    refresh["ver"] = customer.portal_auth_version
    refresh["pwd"] = credentials_stamp(customer)
    refresh["auth_time"] = auth_time
    absolute_end = auth_time + int(settings.JWT_REFRESH_ABSOLUTE_LIFETIME.total_seconds())
    if int(refresh["exp"]) > absolute_end:
        refresh.set_exp(from_time=_from_timestamp(absolute_end), lifetime=timedelta(0))
    access = refresh.access_token
    if int(access["exp"]) > absolute_end:
        access.set_exp(from_time=_from_timestamp(absolute_end), lifetime=timedelta(0))
    return {"access": str(access), "refresh": str(refresh)}


def customer_of(payload: dict[str, Any]) -> Customer:
    """The customer of a verified portal payload whose credentials still match."""
    try:
        customer = Customer.objects.filter(pk=uuid.UUID(str(payload[CUSTOMER_CLAIM]))).first()
    except (KeyError, ValueError):
        customer = None
    if customer is None or not credentials_valid(
        customer, version=payload.get("ver"), stamp=payload.get("pwd")
    ):
        raise exceptions.AuthenticationFailed(
            _("Your portal access or password has changed; log in again."),
            code="token_not_valid",
        )
    return customer


def decode_access(raw: str) -> dict[str, Any]:
    return decode(raw, AccessToken, PORTAL)


def token_refresh(*, raw: str) -> dict[str, str]:
    payload = decode(raw, RefreshToken, PORTAL)
    customer = customer_of(payload)
    auth_time = int(payload.get("auth_time") or payload.get("iat") or 0)
    if timezone.now().timestamp() >= (
        auth_time + settings.JWT_REFRESH_ABSOLUTE_LIFETIME.total_seconds()
    ):
        raise exceptions.AuthenticationFailed(
            _("Your session has ended; log in again."), code="token_not_valid"
        )
    with tenant_atomic():
        try:
            refresh = RefreshToken(cast(Any, raw))  # also refuses a blacklisted token
            refresh.blacklist()
        except TokenError as exc:
            raise exceptions.AuthenticationFailed(str(exc), code="token_not_valid") from exc
        return tokens_for(customer, auth_time=auth_time)
