"""create_tenant / list_tenants, end to end, and what a failed provisioning leaves behind."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from dockpulse.tenancy import dbadmin, tenant_context
from dockpulse.tenancy.registry import registry
from platform_app import services
from platform_app.models import Tenant, TenantAuditLog
from platform_app.services import provisioning
from tenant_apps.accounts.models import User
from tenant_apps.configuration.models import TenantModule
from tests.support import database_exists, destroy_tenant, run_manage


def test_command_creates_a_tenant_reachable_over_http(committed, http_server):
    # The server process started before this tenant existed: it must route it anyway.
    slug = "acme-http"
    try:
        result = run_manage(
            "create_tenant", slug, "--name", "Acme HTTP", "--template", "services",
            "--plan", "starter", "--admin-email", "Owner@Acme.pl",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        password = re.search(r"Admin password \(shown only now\): (\S+)", result.stdout)
        assert password is not None, result.stdout

        tenant = Tenant.objects.get(slug=slug)
        assert tenant.status == "active"
        assert tenant.plan is not None and tenant.plan.code == "starter"
        assert tenant.db_name == dbadmin.tenant_db_name(slug)
        assert database_exists(tenant.db_name)
        assert TenantAuditLog.objects.filter(tenant=tenant, action="tenant.created").exists()

        status, body = http_server.get(f"{slug}.localhost", "/login/")
        assert status == 200
        assert "Log in to Acme HTTP" in body

        info = registry.get(slug)
        assert info is not None
        with tenant_context(info):
            admin = User.objects.get()
            assert admin.email == "owner@acme.pl"
            assert admin.role == "admin"
        client = Client(HTTP_HOST=f"{slug}.localhost")
        login = client.post("/login/", {"username": "OWNER@acme.pl", "password": password.group(1)})
        assert login.status_code == 302
        assert "Acme HTTP" in client.get("/").content.decode()
        with tenant_context(info):
            # The services template has no stock module; trade and production do.
            enabled = set(
                TenantModule.objects.filter(is_enabled=True).values_list("module_code", flat=True)
            )
        assert {"@customers", "@orders", "@quotes", "@portal"} <= enabled
        assert "@stock" not in enabled

        listing = run_manage("list_tenants")
        assert listing.returncode == 0
        row = next(line for line in listing.stdout.splitlines() if line.startswith(slug))
        assert row.split() == [
            slug, "Acme", "HTTP", "services", "starter", "active", tenant.db_name, "migrated",
        ]  # fmt: skip
    finally:
        destroy_tenant(slug)


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("tenant-a", "The address tenant-a is taken."),
        ("admin", "The address admin is reserved."),
        ("a" * 41, "must be 3 to 40 characters long (it has 41)"),
        ("Bad_Slug", "may use only lower-case letters, digits and hyphens"),
    ],
)
def test_bad_slug_exits_2_with_one_line(committed, slug, message):
    tenants_before = Tenant.objects.count()
    result = run_manage(
        "create_tenant", slug, "--name", "X", "--template", "trade", "--admin-email", "x@x.pl"
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert Tenant.objects.count() == tenants_before


def test_bad_template_and_plan_are_named(committed):
    with pytest.raises(ValidationError) as error:
        services.tenant_create(
            slug="okay-slug", name="", template="farm", plan_code="gold", admin_email="nope"
        )
    assert set(error.value.message_dict) == {"name", "template", "plan", "admin_email"}
    assert not Tenant.objects.filter(slug="okay-slug").exists()


def test_failure_mid_provisioning_leaves_nothing(committed, monkeypatch):
    slug = "doomed"
    db_name = dbadmin.tenant_db_name(slug)

    def explode(*args, **kwargs):
        # By now the database was cloned and the modules seeded.
        assert database_exists(db_name)
        raise RuntimeError("disk full")

    monkeypatch.setattr(provisioning, "user_create", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        services.tenant_create(
            slug=slug, name="Doomed", template="trade", admin_email="d@d.pl",
            admin_password="Doomed-Pass-123",
        )  # fmt: skip
    assert not database_exists(db_name)
    assert not Tenant.objects.filter(slug=slug).exists()
    assert registry.get(slug) is None

    # Nothing was left that would block a second attempt.
    monkeypatch.undo()
    try:
        services.tenant_create(
            slug=slug, name="Doomed", template="trade", admin_email="d@d.pl",
            admin_password="Doomed-Pass-123",
        )  # fmt: skip
        assert database_exists(db_name)
    finally:
        destroy_tenant(slug)


def test_failure_at_activation_leaves_nothing(committed, monkeypatch):
    slug = "doomed-late"

    def explode(*args, **kwargs):
        raise RuntimeError("platform write failed")

    monkeypatch.setattr(TenantAuditLog.objects, "create", explode)
    with pytest.raises(RuntimeError):
        services.tenant_create(
            slug=slug, name="Late", template="production", admin_email="l@l.pl",
            admin_password="Doomed-Pass-123",
        )  # fmt: skip
    assert not database_exists(dbadmin.tenant_db_name(slug))
    assert not Tenant.objects.filter(slug=slug).exists()


def test_generated_admin_password_is_strong_and_unique():
    passwords = {services.generate_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(len(p) == 16 and p.isalnum() for p in passwords)
