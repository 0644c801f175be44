"""A read-only admin page for the customers' threads (messages are written through the
service, which sends their events)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from dockpulse.admin_sites import ReadOnlyAdminMixin, tenant_admin_site

from .models import Message


@admin.register(Message, site=tenant_admin_site)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "customer", "author_kind", "author_name", "excerpt"]
    list_filter = ["author_kind"]
    search_fields = ["customer__name", "customer__phone", "author_name"]
    list_select_related = ["customer"]
    date_hierarchy = "created_at"

    @admin.display(description=_("message"))
    def excerpt(self, obj: Message) -> str:
        return Truncator(obj.body).chars(80)
