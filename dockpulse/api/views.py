"""Token endpoints of the staff API: obtain, refresh, logout.

The core's own: they speak JWT for whatever AUTH_USER_MODEL is. The app that owns the
user model mounts them (its extensions.py, `api_path`) next to its password endpoints.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.http import escape_leading_slashes
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, BaseThrottle
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


class FirstRendererNegotiation(DefaultContentNegotiation):
    """The view's first renderer whatever the Accept header asks for, never a 406: for
    views whose answer has one fixed type (the catch-all's 404 in the one JSON error
    shape, a CSV export), refusing an Accept header helps no one. Parsers as DRF picks."""

    def select_renderer(
        self, request: Request, renderers: Any, format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer: BaseRenderer = renderers[0]
        return renderer, renderer.media_type


def _slash_target(request: HttpRequest) -> str | None:
    """Where a path without its trailing slash belongs: the same path and query with the
    slash when that resolves to a real route, else None.

    Django's APPEND_SLASH (CommonMiddleware) redirects only paths that do not resolve;
    the catch-all below makes every /api/v1/ path resolve, so the redirect is done here,
    and only to a route that exists (`/api/v1/no-such` stays a 404).
    """
    if request.path_info.endswith("/"):
        return None
    try:
        match = resolve(f"{request.path_info}/", getattr(request, "urlconf", None))
    except Resolver404:
        return None
    if getattr(match.func, "view_class", None) is NotFoundView:
        return None
    return escape_leading_slashes(request.get_full_path(force_append_slash=True))


class NotFoundView(APIView):
    """Any /api/v1/ path no route matched (the root `/api/v1/` too): the API's JSON 404,
    not the panel's HTML page; a path that only lacks its trailing slash, a redirect.

    Also for an id that does not fit its route's pattern (`/customers/%C2%84/`), which
    Django would otherwise answer with the staff panel's page. Unthrottled (a miss must
    not spend the caller's budget for real calls) and JSON whatever the Accept header.
    """

    authentication_classes = [NoAuthentication]
    permission_classes = [AllowAny]
    throttle_classes: list[type[BaseThrottle]] = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRendererNegotiation
    schema = None  # not an operation of the API

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        target = _slash_target(request)
        if target is not None:
            # GET and HEAD as APPEND_SLASH answered them (301); any other method a 308,
            # which keeps the method and the body (a 301 turns a POST into a GET, and
            # APPEND_SLASH refuses a POST with DEBUG on).
            return HttpResponsePermanentRedirect(
                target, preserve_request=request.method not in ("GET", "HEAD")
            )
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before any method handler: every method gets the same 404, none a 405.
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
