"""What every portal endpoint shares: 404 while @portal is off (before any token is read),
portal tokens only, and no business while the initial password is still to be changed."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from dockpulse.modules import module_switch
from tenant_apps.customers.models import Customer
from tenant_apps.portal.authentication import (
    IsPortalCustomer,
    PortalJWTAuthentication,
    PortalPrincipal,
)
from tenant_apps.portal.sessions import MODULE


class PortalAPIView(APIView):
    # The module whose switch gates every portal endpoint (the schema documents its 404).
    module = MODULE

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Off means absent: a 404 before authentication could answer 401.
        if not module_switch().is_enabled(self.module):
            raise exceptions.NotFound()
        super().initial(request, *args, **kwargs)


def portal_customer(request: Request) -> Customer:
    # IsPortalCustomer let only a portal principal through.
    return cast(PortalPrincipal, request.user).customer


class PasswordChanged(BasePermission):
    """The API's side of the pages' forced change: until the SMS password is replaced
    (`must_change_password` on /portal/me/), only /me/ and the password change answer."""

    message = _(
        "Change the password from the SMS first (POST /api/v1/portal/auth/password/change/)."
    )
    code = "password_change_required"

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        return isinstance(principal, PortalPrincipal) and not principal.customer.portal_first_login


class PortalCustomerAPIView(PortalAPIView):
    """A signed-in customer's endpoint: every later portal endpoint derives from this.

    Whatever it reads or writes is scoped to `portal_customer(request)`: a document of
    another customer is 404, as if it did not exist."""

    authentication_classes = [PortalJWTAuthentication]
    permission_classes = [IsPortalCustomer, PasswordChanged]
