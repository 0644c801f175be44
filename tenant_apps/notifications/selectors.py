from __future__ import annotations

import uuid

from django.db.models import QuerySet

from tenant_apps.accounts.models import User

from .models import Notification, NotificationDelivery, WorkflowTrigger


def trigger_list(*, event_type: str = "") -> QuerySet[WorkflowTrigger]:
    qs = WorkflowTrigger.objects.order_by("event_type", "code")
    return qs.filter(event_type=event_type) if event_type else qs


def delivery_list(
    *,
    status: str = "",
    channel: str = "",
    trigger: uuid.UUID | None = None,
    event_type: str = "",
) -> QuerySet[NotificationDelivery]:
    qs = NotificationDelivery.objects.select_related("trigger", "event").order_by(
        "-created_at", "id"
    )
    if status:
        qs = qs.filter(status__in=status.split(","))
    if channel:
        qs = qs.filter(channel=channel)
    if trigger:
        qs = qs.filter(trigger_id=trigger)
    if event_type:
        qs = qs.filter(event__event_type=event_type)
    return qs


def inbox(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user).order_by("-created_at", "id")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox_entry(*, user: User, notification_id: uuid.UUID) -> Notification | None:
    """One of the user's own notifications (None for anybody else's: never another's)."""
    return Notification.objects.filter(user=user, pk=notification_id).first()
