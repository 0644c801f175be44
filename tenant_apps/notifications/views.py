"""The inbox pages: the signed-in user's own in-app notifications, and the header badge.

Every read and write names `request.user`: a notification of somebody else is a 404,
whatever id the URL carries. Marking read answers htmx with the changed fragment (the
row, or the list) and the header's badge out of band; without JavaScript, a redirect.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from dockpulse.web.access import staff_page
from dockpulse.web.listing import SortOption, listing
from tenant_apps.accounts.models import User

from . import selectors
from .extensions import INBOX_LABEL
from .services import notifications_mark_read

MODULE = "@notifications"
SORTS = [SortOption("newest", _("Newest first"), ("-created_at", "id"))]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # staff_page let only signed-in staff in


def _unread_only(request: HttpRequest) -> bool:
    return request.GET.get("unread", "") in ("1", "on", "true")


def _badge(request: HttpRequest, count: int) -> dict[str, Any]:
    """What the header link's out-of-band refresh needs (templates/panel/badge.html)."""
    return {
        "badge_count": count,
        "badge_url": reverse("inbox:badge"),
        "inbox_label": INBOX_LABEL,
    }


def _list_context(request: HttpRequest) -> dict[str, Any]:
    unread_only = _unread_only(request)
    rows = listing(
        request, selectors.inbox(user=_user(request), unread_only=unread_only), sorts=SORTS
    )
    unread = selectors.unread_count(user=_user(request))
    return {
        "listing": rows,
        "unread_only": unread_only,
        "unread": unread,
        **_badge(request, unread),
    }


@staff_page("inbox", module=MODULE)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Newest first, paginated; ?unread=1 shows the unread ones only."""
    return render(request, "notifications/inbox.html", _list_context(request))


@staff_page("inbox", module=MODULE)
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The header badge alone (polled every 30 s by templates/panel/badge.html)."""
    count = selectors.unread_count(user=_user(request))
    context = {"count": count, "url": reverse("inbox:badge"), "label": INBOX_LABEL}
    return render(request, "panel/badge.html", context)


@staff_page("inbox", "write", module=MODULE)
@require_POST
def mark_read(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    notification = selectors.inbox_entry(user=user, notification_id=pk)
    if notification is None:
        raise Http404
    notifications_mark_read(user=user, ids=[notification.pk])
    if not getattr(request, "htmx", False):
        return redirect(_back(request))
    notification.refresh_from_db(fields=["read_at"])
    unread = selectors.unread_count(user=user)
    context = {"n": notification, "focus": True, "oob": True, **_badge(request, unread)}
    return render(request, "notifications/inbox_row.html", context)


@staff_page("inbox", "write", module=MODULE)
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=_user(request))
    if not getattr(request, "htmx", False):
        return redirect(_back(request))
    context = {**_list_context(request), "oob": True, "all_read": True}
    return render(request, "notifications/inbox_list.html", context)


def _back(request: HttpRequest) -> str:
    """The inbox again, keeping its filter and page (only our own query string)."""
    url = reverse("inbox:index")
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url
