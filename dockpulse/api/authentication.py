from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.tokens import AccessToken

from .tokens import STAFF, check_credentials_stamp, decode


class StaffJWTAuthentication(JWTAuthentication):
    """Bearer access tokens of this tenant's staff; the tenant claim is checked first."""

    www_authenticate_realm = "api"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = self.get_header(request)
        if header is None:
            return None
        raw = self.get_raw_token(header)
        if raw is None:
            return None
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError as exc:
            # A JWT is base64url and dots: other bytes are a malformed token, the client's
            # mistake, not a server error.
            raise exceptions.AuthenticationFailed(
                _("This token is not valid."), code="token_not_valid"
            ) from exc
        decode(text, AccessToken, STAFF)  # before any user lookup
        validated = self.get_validated_token(raw)
        user = self.get_user(validated)
        check_credentials_stamp(validated.payload, user)  # a new password voids it at once
        return user, validated


class NoAuthentication(BaseAuthentication):
    """For the token endpoints: nobody is logged in yet, but a refusal is still a 401
    (DRF turns 401 into 403 when a view has no authenticator to name in WWW-Authenticate)."""

    def authenticate(self, request: Request) -> None:
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class StaffJWTScheme(SimpleJWTScheme):
    """Tells drf-spectacular that StaffJWTAuthentication is a bearer JWT."""

    target_class = "dockpulse.api.authentication.StaffJWTAuthentication"
    name = "staffJWT"


class NoAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = NoAuthentication
    name = "none"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {}
