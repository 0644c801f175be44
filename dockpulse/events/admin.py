from __future__ import annotations

from django.contrib import admin

from dockpulse.admin_sites import ReadOnlyAdminMixin, tenant_admin_site

from .models import EventDelivery, EventLog


@admin.register(EventLog, site=tenant_admin_site)
class EventLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "event_type", "entity_type", "entity_id", "actor_type"]
    list_filter = ["event_type", "entity_type", "actor_type"]
    search_fields = ["event_type", "entity_type", "=entity_id", "=event_id"]
    date_hierarchy = "created_at"


@admin.register(EventDelivery, site=tenant_admin_site)
class EventDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "handler", "status", "attempts", "done_at"]
    list_filter = ["status", "handler"]
    search_fields = ["=event__event_id", "handler"]
    list_select_related = ["event"]
