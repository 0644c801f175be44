"""Reads of the export rows: a user sees and downloads only their own."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from tenant_apps.reports.models import ReportExport

LIST_LIMIT = 50


def export_list_for_user(*, user: Any) -> QuerySet[ReportExport]:
    """The user's exports, newest first (the page shows the latest LIST_LIMIT)."""
    return ReportExport.objects.filter(requested_by_id=user.pk).order_by("-created_at", "id")


def export_get_for_user(*, pk: uuid.UUID | str, user: Any) -> ReportExport:
    """The user's own export; ReportExport.DoesNotExist for any other id (another user's
    or another tenant's alike: each tenant's database holds only its own rows)."""
    return export_list_for_user(user=user).get(pk=pk)
