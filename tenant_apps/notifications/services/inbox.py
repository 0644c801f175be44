"""The in-app inbox: a user reading their notifications."""

from __future__ import annotations

import uuid

from django.utils import timezone

from dockpulse.tenancy import tenant_atomic
from tenant_apps.accounts.models import User
from tenant_apps.notifications.models import Notification


def notifications_mark_read(*, user: User, ids: list[uuid.UUID] | None = None) -> int:
    """Mark the user's notifications read (all, or the given ones); how many changed."""
    with tenant_atomic():
        unread = Notification.objects.filter(user=user, read_at__isnull=True)
        if ids is not None:
            unread = unread.filter(pk__in=ids)
        return unread.update(read_at=timezone.now())
