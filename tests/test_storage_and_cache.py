"""Files and cache entries are kept per tenant."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import override_settings

from dockpulse.tenancy import NoTenantContext, platform_context, tenant_context, unset_context
from dockpulse.tenancy.storage import TenantFileSystemStorage


def test_files_are_stored_under_the_tenant_and_named_relative(tmp_path, tenant_a, tenant_b):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        storage = TenantFileSystemStorage()
        with tenant_context(tenant_a):
            name = storage.save("invoices/1.pdf", ContentFile(b"A's invoice"))
            assert name == "invoices/1.pdf"
            assert storage.open(name).read() == b"A's invoice"
            assert storage.url(name) == "/media/tenants/tenant-a/invoices/1.pdf"
        assert (tmp_path / "tenants/tenant-a/invoices/1.pdf").read_bytes() == b"A's invoice"
        with tenant_context(tenant_b):
            # The same name in tenant B is another file; A's is invisible from here.
            assert not storage.exists(name)
            assert storage.save(name, ContentFile(b"B's")) == "invoices/1.pdf"
        with tenant_context(tenant_a):
            assert storage.open(name).read() == b"A's invoice"
            storage.delete(name)
            assert not storage.exists(name)
        assert (tmp_path / "tenants/tenant-b/invoices/1.pdf").exists()
        with platform_context():
            assert storage.save("logo.png", ContentFile(b"x")) == "logo.png"
        assert (tmp_path / "platform/logo.png").exists()
        with unset_context(), pytest.raises(NoTenantContext):
            storage.save("loose.txt", ContentFile(b"x"))


def test_cache_entries_are_per_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        cache.set("dashboard", "A numbers", 30)
    with tenant_context(tenant_b):
        assert cache.get("dashboard") is None
        cache.set("dashboard", "B numbers", 30)
    with tenant_context(tenant_a):
        assert cache.get("dashboard") == "A numbers"
        cache.delete("dashboard")
    with tenant_context(tenant_b):
        assert cache.get("dashboard") == "B numbers"
        cache.delete("dashboard")


def test_s3_keys_carry_the_tenant_prefix(tenant_a):
    from dockpulse.tenancy.storage import TenantS3Storage

    storage = TenantS3Storage(bucket_name="dockpulse", location="media")
    with tenant_context(tenant_a):
        # The key sent to S3; the name kept in the database stays "docs/a.txt".
        assert storage._normalize_name("docs/a.txt") == "media/tenants/tenant-a/docs/a.txt"
    with platform_context():
        assert storage._normalize_name("logo.png") == "media/platform/logo.png"
    with unset_context(), pytest.raises(NoTenantContext):
        storage._normalize_name("x")
