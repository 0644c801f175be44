from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from dockpulse.admin_sites import tenant_admin_site

from .models import EventLog


@admin.register(EventLog, site=tenant_admin_site)
class EventLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event_type", "entity_type", "entity_id", "actor_type"]
    list_filter = ["event_type", "entity_type", "actor_type"]
    search_fields = ["event_type", "entity_type", "=entity_id", "=event_id"]
    date_hierarchy = "created_at"

    # The log is append-only: an audit trail nobody can rewrite from the admin.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
