"""The platform database: tenants, plans, the module registry, billing, the audit trail."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessTemplate(models.TextChoices):
    SERVICES = "services", _("Services")
    PRODUCTION = "production", _("Production")
    TRADE = "trade", _("Trade")


class Plan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    price_monthly = models.DecimalField(_("monthly price"), max_digits=10, decimal_places=2)
    price_yearly = models.DecimalField(_("yearly price"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    features = models.JSONField(_("features"), default=dict, blank=True)
    # None means unlimited.
    max_users = models.PositiveIntegerField(_("max users"), null=True, blank=True, default=5)
    max_customers = models.PositiveIntegerField(
        _("max customers"), null=True, blank=True, default=1000
    )
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "plans"
        ordering = ["price_monthly"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name


class Tenant(models.Model):
    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        DELETED = "deleted", _("Deleted")

    class MigrationState(models.TextChoices):
        PENDING = "pending", _("Pending")
        MIGRATED = "migrated", _("Up to date")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.CharField(_("address"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    template = models.CharField(
        _("business template"), max_length=20, choices=BusinessTemplate.choices
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="tenants"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROVISIONING
    )
    status_reason = models.TextField(_("status reason"), blank=True)
    # Where the tenant's database lives; an empty host / null port is the platform's server.
    db_name = models.CharField(_("database"), max_length=63, unique=True)
    db_host = models.CharField(_("database host"), max_length=255, blank=True)
    db_port = models.PositiveIntegerField(_("database port"), null=True, blank=True)
    # Bumped by restore, move and delete: every process drops its old connections.
    generation = models.PositiveIntegerField(_("generation"), default=1)
    migration_state = models.CharField(
        _("migration state"),
        max_length=20,
        choices=MigrationState.choices,
        default=MigrationState.PENDING,
    )
    migrated_to = models.JSONField(_("migrated to"), default=dict, blank=True)
    migrated_at = models.DateTimeField(_("migrated at"), null=True, blank=True)
    migration_error = models.TextField(_("last migration error"), blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Warsaw")
    language = models.CharField(
        _("language"), max_length=5, choices=[("pl", "Polski"), ("en", "English")], default="pl"
    )
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "tenants"
        ordering = ["slug"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        indexes = [models.Index(fields=["status"], name="tenants_status_idx")]

    def __str__(self) -> str:
        return self.slug


class ModuleRegistry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    # Business templates that offer the module, and those that switch it on by default.
    templates = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    default_templates = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    config_schema = models.JSONField(_("configuration schema"), default=dict, blank=True)

    class Meta:
        db_table = "module_registry"
        ordering = ["code"]
        verbose_name = _("module")
        verbose_name_plural = _("module registry")

    def __str__(self) -> str:
        return self.code


class BillingRecord(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")
        VOID = "void", _("Void")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Kept when a tenant is purged (accounting law): the row then keeps only the slug.
    tenant = models.ForeignKey(
        Tenant, on_delete=models.SET_NULL, null=True, blank=True, related_name="billing_records"
    )
    tenant_slug = models.CharField(_("address"), max_length=40)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="billing_records")
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # Pending past this date is overdue; paid_at is set when an admin marks it paid.
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # How the amount was made: one line per plan in force during the period (proration).
    lines = models.JSONField(_("lines"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "billing_records"
        ordering = ["-period_start"]
        verbose_name = _("billing record")
        verbose_name_plural = _("billing records")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="billing_period_ordered",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="billing_amount_gte_0"),
            # One record per tenant per month, however often the monthly run is repeated.
            models.UniqueConstraint(
                fields=["tenant", "period_start"],
                condition=models.Q(tenant__isnull=False),
                name="billing_one_per_tenant_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_slug} {self.period_start:%Y-%m}"


class TenantAuditLog(models.Model):
    """What was done on the platform: to tenants (created, suspended, deleted, ...) and by
    its admins (sign-ins, second-factor enrolment, Django admin edits). Kept after a
    tenant's deletion; a row without a tenant is a platform-wide action (docs/platform.md).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        Tenant, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_log"
    )
    tenant_slug = models.CharField(_("address"), max_length=40, blank=True)
    action = models.CharField(_("action"), max_length=50)
    actor = models.CharField(_("actor"), max_length=255)
    # The platform admin who did it (empty for commands and the system). An e-mail, not a
    # foreign key: users are a shared app, and a tenant's user delete would otherwise look
    # for this table in the tenant's database; the e-mail also outlives the account.
    admin_email = models.EmailField(_("admin"), max_length=254, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "tenant_audit_log"
        ordering = ["-created_at"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["action", "-created_at"], name="audit_action_idx"),
            models.Index(fields=["admin_email", "-created_at"], name="audit_admin_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_slug or '-'} {self.action}"


class TenantPlanPeriod(models.Model):
    """Which plan a tenant was on from which day: the history billing prorates by."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="plan_periods")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="tenant_periods")
    starts_on = models.DateField(_("from"))
    # The price in force from starts_on: a later edit of the plan's price starts a new
    # period (platform_app.services.plan_periods), so a month is billed at its own prices.
    price_monthly = models.DecimalField(_("monthly price"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tenant_plan_periods"
        ordering = ["tenant", "starts_on", "created_at"]
        indexes = [models.Index(fields=["tenant", "starts_on"], name="plan_period_tenant_idx")]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.plan_id} {self.starts_on}"


class TenantUsage(models.Model):
    """Usage figures of one tenant, gathered by a periodic task (docs/platform.md): the
    tenants list reads this one table instead of querying hundreds of tenant databases."""

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, primary_key=True, related_name="usage"
    )
    users = models.PositiveIntegerField(_("users"), default=0)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    orders_this_month = models.PositiveIntegerField(_("orders this month"), default=0)
    db_size_bytes = models.BigIntegerField(_("database size"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    last_backup_at = models.DateTimeField(_("last backup"), null=True, blank=True)
    undelivered_events = models.PositiveIntegerField(_("undelivered events"), default=0)
    oldest_undelivered_at = models.DateTimeField(
        _("oldest undelivered event"), null=True, blank=True
    )
    failed_deliveries = models.PositiveIntegerField(_("failed deliveries"), default=0)
    gathered_at = models.DateTimeField(_("gathered at"), null=True, blank=True)
    error = models.TextField(_("last gathering error"), blank=True)

    class Meta:
        db_table = "tenant_usage"
        verbose_name = _("tenant usage")
        verbose_name_plural = _("tenant usage")

    def __str__(self) -> str:
        return f"usage of {self.tenant_id}"


class ImpersonationGrant(models.Model):
    """A platform admin opening a tenant's panel as its admin, for a limited time.

    The platform host makes the grant and hands the browser a one-time token (only its
    hash is stored); the tenant host redeems it within seconds and signs the admin in as
    `user_email` until `expires_at` or until ended (docs/platform.md, "Impersonation").
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="impersonation_grants"
    )
    admin_email = models.EmailField(_("platform admin"), max_length=254)
    user_email = models.EmailField(_("signed in as"), max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    redeem_by = models.DateTimeField(_("redeem by"))
    expires_at = models.DateTimeField(_("expires at"))
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        db_table = "impersonation_grants"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.admin_email} as {self.user_email}"
