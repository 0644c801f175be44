"""The tenant operations block reads its own backups list: the detail page that includes
templates/platform_app/tenants/_operations.html passes only `tenant`."""

from __future__ import annotations

from django import template

from platform_app.selectors_tenant_ops import BackupEntry, tenant_backups

register = template.Library()


@register.simple_tag
def backups_of(slug: str) -> list[BackupEntry]:
    return tenant_backups(slug)
