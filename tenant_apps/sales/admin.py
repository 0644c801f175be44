"""Django admin for orders and quotes: browse, and move them on through the services.

Documents are written by the services (numbering, totals, events); the admin shows them
with their lines and history and offers the state changes as actions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dockpulse.admin_sites import ReadOnlyAdminMixin, tenant_admin_site
from dockpulse.errors import DomainError

from .inputs import staff
from .models import NumberSeries, Order, OrderLine, OrderStatusChange, Quote, QuoteLine
from .services.numbering import number_series_set, pattern_check
from .services.orders import order_transition
from .services.quotes import quote_accept, quote_reject, quote_send

LINE_FIELDS = ("position", "product", "description", "quantity", "unit", "unit_price",
               "discount", "vat_rate", "total_net", "total_vat", "total_gross")  # fmt: skip


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = readonly_fields = LINE_FIELDS


class OrderHistoryInline(ReadOnlyInline):
    model = OrderStatusChange
    fields = readonly_fields = ("created_at", "from_status", "to_status", "actor_name", "note")


def _run(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, call: Callable
) -> None:
    done = 0
    for obj in queryset:
        try:
            call(obj)
            done += 1
        except (DomainError, ValidationError) as exc:
            text = exc.message if isinstance(exc, DomainError) else " ".join(exc.messages)
            modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(n)d changed.") % {"n": done}, messages.SUCCESS)


def _order_action(to: str, label: Any) -> Callable:
    def run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        def move(order: Order) -> None:
            order_transition(order=order, to=to, actor=staff(request.user))

        _run(modeladmin, request, queryset, move)

    run.__name__ = f"mark_{to}"
    return admin.action(description=label)(run)


@admin.register(Order, site=tenant_admin_site)
class OrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "customer", "status", "total_gross", "source", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["number", "customer__name", "customer__phone"]
    list_select_related = ["customer"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderHistoryInline]
    readonly_fields = ["number", "customer", "assigned_to", "status", "total_net", "total_vat",
                       "total_gross", "delivery_date", "delivery_address", "tracking_number",
                       "source", "notes", "metadata", "created_at", "updated_at"]  # fmt: skip
    actions = [
        _order_action(Order.Status.CONFIRMED, _("Confirm selected orders")),
        _order_action(Order.Status.IN_PROGRESS, _("Start work on selected orders")),
        _order_action(Order.Status.DELIVERED, _("Mark selected orders delivered")),
        _order_action(Order.Status.CANCELLED, _("Cancel selected orders")),
    ]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only pages, but actions need the change permission to be offered.
        return obj is None and bool(request.user.is_active and request.user.is_staff)


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    fields = readonly_fields = LINE_FIELDS


@admin.register(Quote, site=tenant_admin_site)
class QuoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "customer", "status", "total_gross", "valid_until", "order"]
    list_filter = ["status"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["customer", "order"]
    inlines = [QuoteLineInline]
    readonly_fields = ["number", "customer", "assigned_to", "status", "valid_until", "total_net",
                       "total_vat", "total_gross", "sent_at", "accepted_at", "rejected_at",
                       "rejection_reason", "order", "notes", "metadata", "created_at"]  # fmt: skip
    actions = ["send", "accept", "reject"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and bool(request.user.is_active and request.user.is_staff)

    @admin.action(description=_("Send selected quotes"))
    def send(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, lambda q: quote_send(quote=q, actor=staff(request.user)))

    @admin.action(description=_("Accept selected quotes (creates the orders)"))
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, lambda q: quote_accept(quote=q, actor=staff(request.user)))

    @admin.action(description=_("Reject selected quotes"))
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, lambda q: quote_reject(quote=q, actor=staff(request.user)))


class NumberSeriesForm(forms.ModelForm):
    class Meta:
        model = NumberSeries
        fields = ["document_type", "pattern"]

    def clean_pattern(self) -> str:
        return pattern_check(self.cleaned_data["pattern"])


@admin.register(NumberSeries, site=tenant_admin_site)
class NumberSeriesAdmin(admin.ModelAdmin):
    form = NumberSeriesForm
    list_display = ["document_type", "pattern", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = number_series_set(
            document_type=obj.document_type, pattern=obj.pattern, actor=staff(request.user)
        )
        obj.pk = saved.pk
