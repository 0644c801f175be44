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


class CompanyProfile(models.Model):
    """The tenant's own company details: one row (`singleton`), made on the first save.

    The company's name, language and time zone are the platform's tenant row (every
    process reads them from the tenant's cached info); the rest is the tenant's own data.
    `logo` is a name in the tenant's file storage (tenant-relative, so a restored copy
    keeps it), "" for none.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    singleton = models.BooleanField(default=True, unique=True, editable=False)
    nip = models.CharField(_("NIP"), max_length=10, blank=True)
    street = models.CharField(_("street"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="PL")
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    logo = models.CharField(_("logo"), max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "company_profile"
        verbose_name = _("company profile")
        verbose_name_plural = _("company profile")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="company_profile_one_row"
            )
        ]

    def __str__(self) -> str:
        return self.nip or "company profile"
