"""Tenant lifecycle: provisioning, the template database, migrations, status changes.

Platform rows live in `default`, so these use `transaction.atomic(using="default")`
explicitly; tenant rows are written inside `tenant_context()` + `tenant_atomic()`.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from io import StringIO

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy import dbadmin, tenant_atomic, tenant_context
from dockpulse.tenancy.info import TenantInfo, template_info
from dockpulse.tenancy.registry import info_from_model, registry
from dockpulse.tenancy.validation import validate_slug_format
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.services import modules_seed

from .models import BusinessTemplate, ModuleRegistry, Plan, Tenant, TenantAuditLog

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProvisionedTenant:
    tenant: Tenant
    admin_email: str
    admin_password: str
    generated_password: bool
    seconds: float


# --- the template database -------------------------------------------------------------


def template_exists() -> bool:
    with dbadmin.admin_connection() as conn:
        return dbadmin.database_exists(conn, dbadmin.template_db_name())


def template_migrate(*, verbosity: int = 0) -> None:
    """Create the template if missing and migrate it, under the clone lock.

    It accepts connections only while migrating: CREATE DATABASE ... TEMPLATE fails while
    anyone is connected to it.
    """
    name = dbadmin.template_db_name()
    info = template_info(name)
    with dbadmin.admin_connection() as conn, dbadmin.template_lock(conn):
        if not dbadmin.database_exists(conn, name):
            dbadmin.create_database(conn, name)
        dbadmin.set_allow_connections(conn, name, True)
        try:
            _migrate_database(info, verbosity=verbosity)
        finally:
            with tenant_context(info):
                tenant_connections.forget(info.alias)
            dbadmin.terminate_connections(conn, name)
            dbadmin.set_allow_connections(conn, name, False)


def _migrate_database(info: TenantInfo, *, verbosity: int = 0) -> None:
    with tenant_context(info):
        alias = tenant_connections.alias_for(info)
        call_command(
            "migrate", database=alias, interactive=False, verbosity=verbosity, stdout=StringIO()
        )


def pending_migrations(info: TenantInfo) -> list[str]:
    """Migrations the tenant's database lacks (an empty list when it is up to date)."""
    with tenant_context(info):
        alias = tenant_connections.alias_for(info)
        from django.db import connections

        executor = MigrationExecutor(connections[alias])
        targets = executor.loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def tenant_migrate(tenant: Tenant, *, verbosity: int = 0) -> bool:
    """Migrate one tenant and record the outcome on its row; False if it failed."""
    info = info_from_model(tenant)
    try:
        _migrate_database(info, verbosity=verbosity)
        with tenant_context(info):
            from django.db import connections

            recorder = MigrationRecorder(connections[tenant_connections.alias_for(info)])
            applied = recorder.applied_migrations()
        latest: dict[str, str] = {}
        for app_label, name in sorted(applied):
            latest[app_label] = name
    except Exception as exc:  # record any failure and carry on with the next tenant
        logger.exception("migrating tenant %s failed", tenant.slug)
        Tenant.objects.filter(pk=tenant.pk).update(
            migration_state=Tenant.MigrationState.FAILED,
            migration_error=f"{type(exc).__name__}: {exc}"[:4000],
        )
        return False
    Tenant.objects.filter(pk=tenant.pk).update(
        migration_state=Tenant.MigrationState.MIGRATED,
        migrated_to=latest,
        migrated_at=timezone.now(),
        migration_error="",
    )
    return True


# --- provisioning -----------------------------------------------------------------------


def _validate_new_tenant(
    *,
    slug: str,
    name: str,
    template: str,
    plan_code: str | None,
    admin_email: str,
    admin_password: str | None,
) -> Plan | None:
    errors: dict[str, list[str]] = {}
    try:
        validate_slug_format(slug)
    except ValidationError as exc:
        errors["slug"] = list(exc.messages)
    else:
        existing = Tenant.objects.filter(slug=slug).values_list("status", flat=True).first()
        if existing == Tenant.Status.DELETED:
            errors["slug"] = [
                _("The address %(slug)s belonged to a deleted tenant; it is free once purged.")
                % {"slug": slug}
            ]
        elif existing is not None:
            errors["slug"] = [_("The address %(slug)s is taken.") % {"slug": slug}]
    if not name.strip():
        errors["name"] = [_("Enter the company name.")]
    if template not in BusinessTemplate.values:
        errors["template"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(BusinessTemplate.values)}
        ]
    plan = None
    if plan_code:
        plan = Plan.objects.filter(code=plan_code, is_active=True).first()
        if plan is None:
            codes = ", ".join(Plan.objects.filter(is_active=True).values_list("code", flat=True))
            errors["plan"] = [
                _("There is no plan %(plan)s (plans: %(codes)s).")
                % {"plan": plan_code, "codes": codes}
            ]
    try:
        validate_email(admin_email)
    except ValidationError as exc:
        errors["admin_email"] = list(exc.messages)
    if admin_password is not None:
        try:
            validate_password(admin_password)
        except ValidationError as exc:
            errors["admin_password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    return plan


_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"  # noqa: S105


def generate_password(length: int = 16) -> str:
    """A random password without look-alike characters (it is read off a terminal)."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def tenant_create(
    *,
    slug: str,
    name: str,
    template: str,
    admin_email: str,
    admin_password: str | None = None,
    admin_name: str = "",
    plan_code: str | None = None,
    language: str = "pl",
    time_zone: str = "Europe/Warsaw",
    actor: str = "system",
) -> ProvisionedTenant:
    """Provision a tenant: clone the template, seed it, create its first admin.

    A failure at any step leaves no database and no row behind: CREATE DATABASE cannot
    run in a transaction, so the cleanup is explicit.
    """
    started = time.perf_counter()
    slug = slug.strip().lower()
    plan = _validate_new_tenant(
        slug=slug,
        name=name,
        template=template,
        plan_code=plan_code,
        admin_email=admin_email,
        admin_password=admin_password,
    )
    generated = admin_password is None
    password = admin_password if admin_password is not None else generate_password()
    try:
        with transaction.atomic(using="default"):
            tenant = Tenant.objects.create(
                slug=slug,
                name=name.strip(),
                template=template,
                plan=plan,
                status=Tenant.Status.PROVISIONING,
                db_name=dbadmin.tenant_db_name(slug),
                language=language,
                time_zone=time_zone,
            )
    except IntegrityError as exc:  # a concurrent create of the same slug won
        raise ValidationError(
            {"slug": [_("The address %(slug)s is taken.") % {"slug": slug}]}
        ) from exc

    info = info_from_model(tenant)
    try:
        with dbadmin.admin_connection() as conn, dbadmin.template_lock(conn):
            dbadmin.create_database(conn, tenant.db_name, template=dbadmin.template_db_name())
        with tenant_context(info):
            _seed_tenant(info, admin_email=admin_email, admin_name=admin_name, password=password)
        with transaction.atomic(using="default"):
            tenant.status = Tenant.Status.ACTIVE
            tenant.migration_state = Tenant.MigrationState.MIGRATED
            tenant.migrated_at = timezone.now()
            tenant.save()
            TenantAuditLog.objects.create(
                tenant=tenant,
                tenant_slug=slug,
                action="tenant.created",
                actor=actor,
                details={"template": template, "plan": plan.code if plan else None},
            )
            transaction.on_commit(lambda: registry.publish(tenant), using="default")
    except BaseException:
        _discard_failed_tenant(tenant)
        raise
    return ProvisionedTenant(
        tenant=tenant,
        admin_email=admin_email,
        admin_password=password,
        generated_password=generated,
        seconds=time.perf_counter() - started,
    )


def _seed_tenant(info: TenantInfo, *, admin_email: str, admin_name: str, password: str) -> None:
    """The business template's seed data and the first admin, in one tenant transaction."""
    modules = ModuleRegistry.objects.filter(templates__contains=[info.template])
    available = [module.code for module in modules]
    enabled = [module.code for module in modules if info.template in module.default_templates]
    with tenant_atomic():
        modules_seed(enabled=enabled, available=available)
        user_create(
            email=admin_email,
            name=admin_name or admin_email.split("@")[0],
            password=password,
            role=Role.ADMIN,
            is_staff=True,
            is_superuser=True,
        )


def _discard_failed_tenant(tenant: Tenant) -> None:
    with tenant_context(info_from_model(tenant)):
        tenant_connections.forget(f"tenant_{tenant.slug}")
    try:
        with dbadmin.admin_connection() as conn:
            dbadmin.drop_database(conn, tenant.db_name)
    finally:
        Tenant.objects.filter(pk=tenant.pk).delete()
        registry.forget(tenant.slug)


# --- status -----------------------------------------------------------------------------


def tenant_set_status(
    *, tenant: Tenant, status: str, reason: str = "", actor: str = "system"
) -> Tenant:
    """Suspend, resume (active) or mark deleted; every process sees it from its next request."""
    if status not in Tenant.Status.values:
        raise ValidationError({"status": [_("Unknown status %(status)s.") % {"status": status}]})
    with transaction.atomic(using="default"):
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        previous = tenant.status
        tenant.status = status
        tenant.status_reason = reason
        tenant.save(update_fields=["status", "status_reason", "updated_at"])
        TenantAuditLog.objects.create(
            tenant=tenant,
            tenant_slug=tenant.slug,
            action=f"tenant.{status}",
            actor=actor,
            details={"from": previous, "reason": reason},
        )
        transaction.on_commit(lambda: registry.publish(tenant), using="default")
    return tenant
