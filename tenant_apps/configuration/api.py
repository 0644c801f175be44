"""Settings API (admins only): which modules are on."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.api.permissions import RolePermission

from . import selectors, services
from .models import TenantModule


class ModuleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenantModule
        fields = ["module_code", "is_enabled", "config", "updated_at"]
        read_only_fields = fields


class ModuleUpdateSerializer(serializers.Serializer):
    is_enabled = serializers.BooleanField()


class ModuleViewSet(viewsets.ViewSet):
    resource = "settings"
    permission_classes = [RolePermission]
    lookup_field = "module_code"
    lookup_value_regex = "@[a-z_]+"

    @extend_schema(responses=ModuleOutputSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(ModuleOutputSerializer(selectors.module_list(), many=True).data)

    @extend_schema(request=ModuleUpdateSerializer, responses=ModuleOutputSerializer)
    def partial_update(self, request: Request, module_code: str) -> Response:
        module = get_object_or_404(TenantModule, module_code=module_code)
        data = ModuleUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        module = services.module_set_enabled(
            module=module, enabled=data.validated_data["is_enabled"], actor=request.user
        )
        return Response(ModuleOutputSerializer(module).data)
