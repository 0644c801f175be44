"""Read-only admin pages for triggers and the delivery log (triggers change through the API,
whose service checks their settings)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from dockpulse.admin_sites import ReadOnlyAdminMixin, tenant_admin_site

from .models import NotificationDelivery, WorkflowTrigger


@admin.register(WorkflowTrigger, site=tenant_admin_site)
class WorkflowTriggerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "event_type", "action_type", "is_enabled", "consecutive_failures"]
    list_filter = ["action_type", "is_enabled", "event_type"]
    search_fields = ["code", "name", "event_type"]
    # The webhook secret stays out of the page.
    exclude = ["action_config"]


@admin.register(NotificationDelivery, site=tenant_admin_site)
class NotificationDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at", "channel", "recipient", "status", "reason", "attempts", "sent_at",
    ]  # fmt: skip
    list_filter = ["status", "channel"]
    search_fields = ["recipient", "=event__event_id"]
    list_select_related = ["trigger", "event"]
    date_hierarchy = "created_at"

    @admin.display(description=_("last error"))
    def reason(self, obj: NotificationDelivery) -> str:
        # Why a row was skipped or failed, at a glance; the row's page has the whole text.
        return Truncator(obj.last_error).chars(100)
