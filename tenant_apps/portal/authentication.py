"""Bearer portal tokens on the portal's API; staff tokens are refused here (and portal
tokens on every staff endpoint: StaffJWTAuthentication checks `type` too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tenant_apps.customers.models import Customer

from .tokens import customer_of, decode_access


@dataclass(frozen=True, slots=True)
class PortalPrincipal:
    """`request.user` on the portal's API: the customer, never a staff User."""

    customer: Customer
    is_authenticated: bool = True
    is_anonymous: bool = False

    @property
    def pk(self) -> Any:  # the throttles' key
        return self.customer.pk


class PortalJWTAuthentication(BaseAuthentication):
    www_authenticate_realm = "portal"

    def authenticate(self, request: Request) -> tuple[PortalPrincipal, dict[str, Any]] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("This token is not valid."), code="token_not_valid"
            )
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(
                _("This token is not valid."), code="token_not_valid"
            ) from exc
        payload = decode_access(raw)  # the tenant and the type, before any lookup
        return PortalPrincipal(customer_of(payload)), payload

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'


class IsPortalCustomer(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, PortalPrincipal)


class PortalJWTScheme(SimpleJWTScheme):
    """Tells drf-spectacular that PortalJWTAuthentication is a bearer JWT."""

    target_class = "tenant_apps.portal.authentication.PortalJWTAuthentication"
    name = "portalJWT"
