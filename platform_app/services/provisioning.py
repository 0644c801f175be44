"""Provisioning: a new tenant is a clone of the template database.

Platform rows live in `default`, so these use `transaction.atomic(using="default")`
explicitly; tenant rows are written inside `tenant_context()` + `tenant_atomic()`.
"""

from __future__ import annotations

import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy import dbadmin, tenant_atomic, tenant_context
from dockpulse.tenancy.info import TenantInfo
from dockpulse.tenancy.registry import registry
from dockpulse.tenancy.validation import validate_slug_format
from platform_app.directory import info_from_model, publish
from platform_app.models import BusinessTemplate, ModuleRegistry, Plan, Tenant
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.services import modules_seed
from tenant_apps.notifications.services import triggers_seed

from .audit import audit
from .migrations import applied_migrations, database_migrate, pending_for
from .plan_periods import plan_period_start

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProvisionedTenant:
    tenant: Tenant
    admin_email: str
    admin_password: str
    generated_password: bool
    seconds: float


# --- provisioning -----------------------------------------------------------------------


def tenant_slug_validate(slug: str) -> None:
    """Whether `slug` can be a new tenant's address: its format (length, characters, not
    reserved) and that no tenant, deleted ones included, holds it. A ValidationError in
    words otherwise (code length/format/reserved/taken/deleted): tenant_create and the
    create page's check-as-you-type say the same thing."""
    validate_slug_format(slug)
    existing = Tenant.objects.filter(slug=slug).values_list("status", flat=True).first()
    if existing == Tenant.Status.DELETED:
        raise ValidationError(
            _("The address %(slug)s belonged to a deleted tenant; it is free once purged.")
            % {"slug": slug},
            code="deleted",
        )
    if existing is not None:
        raise ValidationError(_("The address %(slug)s is taken.") % {"slug": slug}, code="taken")


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
        tenant_slug_validate(slug)
    except ValidationError as exc:
        errors["slug"] = list(exc.messages)
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
    created = False
    # The admin's PBKDF2 hash (~0.2 s, most of a provisioning) runs beside the clone:
    # hashlib releases the GIL while it works.
    with ThreadPoolExecutor(max_workers=1) as pool:
        password_hash = pool.submit(make_password, password)
        try:
            with dbadmin.admin_connection() as conn, dbadmin.template_lock(conn):
                dbadmin.create_database(conn, tenant.db_name, template=dbadmin.template_db_name())
            created = True
            # A template that missed a migration run (created before it, or failed half
            # way) must not make a tenant behind the code.
            if pending_for(applied_migrations(info)):
                database_migrate(info)
            with tenant_context(info):
                _seed_tenant(
                    info,
                    admin_email=admin_email,
                    admin_name=admin_name,
                    password=password,
                    password_hash=password_hash.result(),
                )
            with transaction.atomic(using="default"):
                tenant.status = Tenant.Status.ACTIVE
                tenant.migration_state = Tenant.MigrationState.MIGRATED
                tenant.migrated_at = timezone.now()
                tenant.save()
                if plan is not None:
                    # The plan history billing prorates by starts with the tenant.
                    plan_period_start(tenant=tenant, plan=plan)
                audit(
                    tenant,
                    "tenant.created",
                    actor,
                    template=template,
                    plan=plan.code if plan else None,
                )
                transaction.on_commit(lambda: publish(tenant), using="default")
        except BaseException:
            _discard_failed_tenant(tenant, drop_database=created)
            raise
    return ProvisionedTenant(
        tenant=tenant,
        admin_email=admin_email,
        admin_password=password,
        generated_password=generated,
        seconds=time.perf_counter() - started,
    )


def _seed_tenant(
    info: TenantInfo, *, admin_email: str, admin_name: str, password: str, password_hash: str
) -> None:
    """The business template's seed data and the first admin, in one tenant transaction."""
    modules = ModuleRegistry.objects.filter(templates__contains=[info.template])
    available = [module.code for module in modules]
    enabled = [module.code for module in modules if info.template in module.default_templates]
    with tenant_atomic(), translation.override(info.language):
        modules_seed(enabled=enabled, available=available)
        triggers_seed(template=info.template)
        user_create(
            email=admin_email,
            name=admin_name or admin_email.split("@")[0],
            password=password,
            password_hash=password_hash,
            role=Role.ADMIN,
            is_staff=True,
            is_superuser=True,
        )


def _discard_failed_tenant(tenant: Tenant, *, drop_database: bool) -> None:
    """Remove what a failed provisioning made; a database it did not create stays."""
    tenant_connections.forget(f"tenant_{tenant.slug}")
    try:
        if drop_database:
            with dbadmin.admin_connection() as conn:
                dbadmin.drop_database(conn, tenant.db_name)
    finally:
        Tenant.objects.filter(pk=tenant.pk).delete()
        registry.forget(tenant.slug)
