"""Per-tenant configuration: which modules are on, and how entity fields behave."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TenantModule(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    module_code = models.CharField(_("module"), max_length=50, unique=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "tenant_modules"
        ordering = ["module_code"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self) -> str:
        return self.module_code


class FieldConfig(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity_type = models.CharField(_("entity"), max_length=50)
    field_name = models.CharField(_("field"), max_length=100)
    is_visible = models.BooleanField(_("visible"), default=True)
    is_required = models.BooleanField(_("required"), default=False)
    display_order = models.IntegerField(_("order"), default=0)

    class Meta:
        db_table = "field_configs"
        ordering = ["entity_type", "display_order", "field_name"]
        verbose_name = _("field configuration")
        verbose_name_plural = _("field configurations")
        constraints = [
            models.UniqueConstraint(
                fields=["entity_type", "field_name"], name="field_configs_entity_field_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_type}.{self.field_name}"
