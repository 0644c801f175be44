"""The portal's API: tokens for a customer (phone + password), and who is signed in.

Every view answers 404 while the @portal module is off, before any token is read.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.authentication import NoAuthentication
from dockpulse.api.views import (
    REFRESH_REFUSED,
    LoginThrottle,
    RefreshSerializer,
    TokenPairSerializer,
)
from dockpulse.phones import normalize_phone
from dockpulse.security import lockout
from dockpulse.security.clientip import client_ip
from tenant_apps.portal import services, tokens
from tenant_apps.portal.authentication import IsPortalCustomer, PortalJWTAuthentication

from .base import PortalAPIView, portal_customer


class PhoneField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        try:
            return normalize_phone(super().to_internal_value(data))
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class PortalTokenObtainView(PortalAPIView):
    authentication_classes = [NoAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    class InputSerializer(serializers.Serializer):
        phone = PhoneField(help_text=_("Any usual way of typing it: 601 234 567, +48 601-234-567."))
        password = serializers.CharField(trim_whitespace=False)

        class Meta:
            ref_name = "PortalTokenObtain"

    @extend_schema(
        request=InputSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(description=_("A wrong phone or password.")),
        },
        auth=[],
        tags=["portal"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            customer = services.customer_portal_login(
                phone=data.validated_data["phone"],
                password=data.validated_data["password"],
                address=client_ip(request._request),
                via="api",
            )
        except lockout.LockedOut as locked:
            raise exceptions.Throttled(wait=locked.retry_after, detail=locked.message) from locked
        except ValidationError as exc:
            raise exceptions.AuthenticationFailed(
                exc.messages[0], code="invalid_credentials"
            ) from exc
        return Response(tokens.tokens_for(customer, auth_time=int(timezone.now().timestamp())))


class PortalTokenRefreshView(PortalAPIView):
    authentication_classes = [NoAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 401: REFRESH_REFUSED},
        auth=[],
        tags=["portal"],
    )
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(tokens.token_refresh(raw=data.validated_data["refresh"]))


class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    phone = serializers.CharField()
    must_change_password = serializers.BooleanField(source="portal_first_login")

    class Meta:
        ref_name = "PortalMe"


class PortalMeView(PortalAPIView):
    authentication_classes = [PortalJWTAuthentication]
    permission_classes = [IsPortalCustomer]

    @extend_schema(responses=MeSerializer, tags=["portal"])
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(portal_customer(request)).data)


class PortalPasswordChangeView(PortalAPIView):
    authentication_classes = [PortalJWTAuthentication]
    permission_classes = [IsPortalCustomer]

    class InputSerializer(serializers.Serializer):
        old_password = serializers.CharField(trim_whitespace=False)
        new_password = serializers.CharField(trim_whitespace=False)

        class Meta:
            ref_name = "PortalPasswordChange"

    @extend_schema(request=InputSerializer, responses={200: TokenPairSerializer}, tags=["portal"])
    def post(self, request: Request) -> Response:
        """A new password; every earlier token stops working and a new pair comes back."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            customer = services.customer_portal_password_change(
                customer=portal_customer(request),
                old=data.validated_data["old_password"],
                new=data.validated_data["new_password"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                names = {"old": "old_password", "new": "new_password"}
                raise serializers.ValidationError(
                    {names.get(key, key): value for key, value in exc.message_dict.items()}
                ) from exc
            raise serializers.ValidationError({"non_field_errors": exc.messages}) from exc
        pair = tokens.tokens_for(customer, auth_time=int(timezone.now().timestamp()))
        return Response(pair, status=status.HTTP_200_OK)


urlpatterns = [
    path("portal/auth/token/", PortalTokenObtainView.as_view(), name="portal_token_obtain"),
    path(
        "portal/auth/token/refresh/",
        PortalTokenRefreshView.as_view(),
        name="portal_token_refresh",
    ),
    path(
        "portal/auth/password/change/",
        PortalPasswordChangeView.as_view(),
        name="portal_password_change_api",
    ),
    path("portal/me/", PortalMeView.as_view(), name="portal_me"),
]
