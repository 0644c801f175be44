"""Two Django admin sites: the platform's (app host) and each tenant's (tenant host).

A tenant's /admin/ registers only tenant models and that tenant's users, so it can
never show a platform table.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class PlatformAdminSite(AdminSite):
    site_header = _("DockPulse platform")
    site_title = _("DockPulse platform")
    index_title = _("Platform administration")


class TenantAdminSite(AdminSite):
    site_header = _("DockPulse")
    site_title = _("DockPulse")
    index_title = _("Administration")


platform_admin_site = PlatformAdminSite(name="platform_admin")
tenant_admin_site = TenantAdminSite(name="tenant_admin")


class ReadOnlyAdminMixin:
    """For append-only logs: an audit trail nobody can rewrite from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
