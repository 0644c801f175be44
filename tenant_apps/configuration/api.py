"""Settings API (admins only): which modules are on."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse import extensions
from dockpulse.actors import staff_actor
from dockpulse.api.permissions import RolePermission

from . import inputs, selectors, services
from .models import FieldConfig, TenantModule


class ModuleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenantModule
        fields = ["module_code", "is_enabled", "config", "updated_at"]
        read_only_fields = fields


class ModuleUpdateSerializer(serializers.Serializer):
    is_enabled = serializers.BooleanField()


class ModuleViewSet(viewsets.ViewSet):
    resource = "settings"
    pagination_class = None  # every module at once, not in pages
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
            module=module,
            enabled=data.validated_data["is_enabled"],
            actor=staff_actor(request.user),
        )
        return Response(ModuleOutputSerializer(module).data)


class FieldRuleSerializer(serializers.Serializer):
    entity_type = serializers.CharField()
    # DRF's Field has an attribute of this name; a declared field shadows it safely.
    field_name = serializers.CharField()  # type: ignore[assignment]
    is_visible = serializers.BooleanField()
    is_required = serializers.BooleanField()
    display_order = serializers.IntegerField()
    core = serializers.BooleanField()


class FieldRuleUpdateSerializer(serializers.Serializer):
    is_visible = serializers.BooleanField(required=False)
    is_required = serializers.BooleanField(required=False)
    display_order = serializers.IntegerField(required=False, min_value=0)


class FieldConfigViewSet(viewsets.ViewSet):
    """Every field of every configurable entity, with its rule; `{entity}.{field}` to change."""

    resource = "settings"
    pagination_class = None  # every field at once, not in pages
    permission_classes = [RolePermission]
    lookup_field = "key"
    lookup_value_regex = r"[a-z_]+\.[a-z_]+"

    @extend_schema(responses=FieldRuleSerializer(many=True))
    def list(self, request: Request) -> Response:
        stored = {(c.entity_type, c.field_name): c for c in FieldConfig.objects.all()}
        rows = []
        for entity, declared in extensions.entities().items():
            core = declared.core
            for order, name in enumerate((*core, *declared.configurable)):
                config = stored.get((entity, name))
                rows.append({
                    "entity_type": entity, "field_name": name, "core": name in core,
                    "is_visible": True if config is None else config.is_visible,
                    "is_required": name in core if config is None else config.is_required,
                    "display_order": order if config is None else config.display_order,
                })  # fmt: skip
        return Response(FieldRuleSerializer(rows, many=True).data)

    @extend_schema(request=FieldRuleUpdateSerializer, responses=FieldRuleSerializer)
    def partial_update(self, request: Request, key: str) -> Response:
        data = FieldRuleUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entity, field_name = inputs.field_rule_target(key)
        config = services.field_config_set(
            entity=entity,
            field_name=field_name,
            changes=inputs.field_rule_changes(**data.validated_data),
            actor=staff_actor(request.user),
        )
        return Response(FieldRuleSerializer({
            "entity_type": config.entity_type, "field_name": config.field_name, "core": False,
            "is_visible": config.is_visible, "is_required": config.is_required,
            "display_order": config.display_order,
        }).data)  # fmt: skip
