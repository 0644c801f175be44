"""Module switches and field settings. Every tenant already has their rows from its business
template, so these factories set the row's state, making it when missing."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from tenant_apps.configuration.models import FieldConfig, TenantModule


class TenantModuleFactory(DjangoModelFactory[TenantModule]):
    """`TenantModuleFactory.create(module_code="@stock", is_enabled=False)` switches stock off."""

    class Meta:
        model = TenantModule

    module_code = factory.Sequence(lambda n: f"@test-module-{n}")
    is_enabled = True
    config = factory.LazyFunction(dict)

    @classmethod
    def _create(cls, model_class: type[TenantModule], *args: Any, **kwargs: Any) -> TenantModule:
        # get_or_create would hand back the seeded row unchanged; the test asked for a state.
        code = kwargs.pop("module_code")
        row, _ = model_class.objects.update_or_create(module_code=code, defaults=kwargs)
        return row


class FieldConfigFactory(DjangoModelFactory[FieldConfig]):
    """`FieldConfigFactory.create(field_name="nip", is_required=True)` makes customers' NIP
    required. Written directly: the service's refusals (core fields, a hidden required
    field) are not checked, so keep to what the service allows."""

    class Meta:
        model = FieldConfig

    entity_type = "customer"
    field_name = "nip"
    is_visible = True
    is_required = False
    display_order = 0

    @classmethod
    def _create(cls, model_class: type[FieldConfig], *args: Any, **kwargs: Any) -> FieldConfig:
        key = {"entity_type": kwargs.pop("entity_type"), "field_name": kwargs.pop("field_name")}
        row, _ = model_class.objects.update_or_create(**key, defaults=kwargs)
        return row
