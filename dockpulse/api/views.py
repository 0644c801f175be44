"""Token endpoints of the staff API: obtain, refresh, logout.

The core's own: they speak JWT for whatever AUTH_USER_MODEL is. The app that owns the
user model mounts them (its extensions.py, `api_path`) next to its password endpoints.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from . import tokens
from .authentication import NoAuthentication


class LoginThrottle(AnonRateThrottle):
    scope = "login"


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenObtainView(APIView):
    authentication_classes = [NoAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False)

        class Meta:
            ref_name = "TokenObtain"

    @extend_schema(
        request=InputSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(
                description=_("A wrong e-mail or password, or no active account.")
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = tokens.token_obtain(
            request=request._request,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        return Response(pair)


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text=_("A refresh token of this account."))


# What a refresh with a token that is not valid, expired, revoked or of another tenant gets.
REFRESH_REFUSED = OpenApiResponse(description=_("The refresh token is not valid any more."))


class TokenRefreshView(APIView):
    authentication_classes = [NoAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 401: REFRESH_REFUSED},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(tokens.token_refresh(raw=data.validated_data["refresh"]))


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefreshSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tokens.token_blacklist(raw=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotFoundView(APIView):
    """Any /api/v1/ path no route matched: the API's JSON 404, not the panel's HTML page.

    Also for an id that does not fit its route's pattern (`/customers/%C2%84/`), which
    Django would otherwise answer with the staff panel's page.
    """

    authentication_classes = [NoAuthentication]
    permission_classes = [AllowAny]
    schema = None  # not an operation of the API

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        # Before any method handler: every method gets the same 404, none a 405.
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
