"""Staff users API (admins only): list, create, edit, deactivate; and one's own password
(change it, or ask for a reset link)."""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dockpulse.actors import Actor, staff_actor
from dockpulse.api.authentication import NoAuthentication
from dockpulse.api.crud import get_or_404
from dockpulse.api.params import page, text_param
from dockpulse.api.permissions import RolePermission
from dockpulse.api.views import LoginThrottle

from . import selectors, services
from .models import Role, User


def _actor(request: Request) -> Actor:
    # RolePermission let only an authenticated staff user through.
    return staff_actor(request.user)


def _user(request: Request) -> User:
    # IsAuthenticated let only a staff user of this tenant through.
    return cast(User, request.user)


class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "phone", "role", "is_active", "last_login", "created_at"]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=255)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.EMPLOYEE)
    password = serializers.CharField(write_only=True, trim_whitespace=False)


class UserUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False)
    name = serializers.CharField(max_length=255, required=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class UserViewSet(viewsets.ViewSet):
    resource = "users"
    permission_classes = [RolePermission]
    queryset = User.objects.none()  # only for the schema: the id is a UUID

    def _get(self, pk: str) -> User:
        # get_or_404: an id that is not even a UUID is a 404 too, not a 400.
        user: User = get_or_404(User, pk=pk)
        return user

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str),
            OpenApiParameter("role", str, enum=Role.values),
            OpenApiParameter("is_active", bool),
        ],
        responses=UserOutputSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        active = request.query_params.get("is_active")
        qs = selectors.user_list(
            search=text_param(request, "search"),
            role=text_param(request, "role"),
            active=None if active is None else active.lower() in ("1", "true", "yes"),
        )
        return page(self, request, qs, UserOutputSerializer)

    @extend_schema(request=UserCreateSerializer, responses={201: UserOutputSerializer})
    def create(self, request: Request) -> Response:
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(**data.validated_data, actor=_actor(request))
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=UserOutputSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(UserOutputSerializer(self._get(pk)).data)

    @extend_schema(request=UserUpdateSerializer, responses=UserOutputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        user = self._get(pk)
        data = UserUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        active = fields.pop("is_active", None)
        user = services.user_update(user=user, actor=_actor(request), **fields)
        if active is not None:
            user = services.user_set_active(user=user, active=active, actor=_actor(request))
        return Response(UserOutputSerializer(user).data)

    @extend_schema(
        responses={
            204: None,
            # No body, yet user_set_active refuses one's own account: a 400 on is_active.
            400: OpenApiResponse(
                description=_("`fields.is_active`: the id is the caller's own account.")
            ),
        },
        description="Deactivates the user (the account stays).",
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.user_set_active(user=self._get(pk), active=False, actor=_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        old_password = serializers.CharField(trim_whitespace=False)
        new_password = serializers.CharField(trim_whitespace=False)

        class Meta:
            ref_name = "PasswordChange"

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_change_password(
            user=_user(request),
            old_password=data.validated_data["old_password"],
            new_password=data.validated_data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(APIView):
    authentication_classes = [NoAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()

        class Meta:
            ref_name = "PasswordReset"

    @extend_schema(request=InputSerializer, responses={204: None}, auth=[])
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_send_password_reset(
            request=request._request, email=data.validated_data["email"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
