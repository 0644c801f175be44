"""The inbox: a user's own in-app notifications, the unread filter, marking read (htmx
fragments and plain posts), the header badge and its polled fragment, query counts,
modules, and that nobody sees or marks anybody else's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dockpulse.tenancy import tenant_context
from tenant_apps.notifications.models import Notification
from tests import factories as f
from tests.support import panel_client, staff_user

pytestmark = pytest.mark.django_db(databases="__all__")

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def notes(tenant: Any, user: Any, n: int, **kw: Any) -> list[Notification]:
    with tenant_context(tenant):
        return [f.NotificationFactory.create(user=user, **kw) for _ in range(n)]


def unread(tenant: Any, user: Any) -> int:
    with tenant_context(tenant):
        return Notification.objects.filter(user=user, read_at__isnull=True).count()


def header_badge(html: str) -> str:
    """The number in the header's inbox badge ("" when it is empty)."""
    found = re.search(
        r'<span class="badge[^"]*"[^>]*hx-get="/notifications/badge/"[^>]*>([^<]*)<', html
    )
    assert found, "no inbox badge"
    return found.group(1)


def test_the_inbox_lists_only_my_notifications_newest_first(tenant_a):
    me, other = staff_user(tenant_a, "employee"), staff_user(tenant_a, "manager")
    mine = notes(tenant_a, me, 2, title="For me")
    notes(tenant_a, other, 1, title="Not for you")
    with tenant_context(tenant_a):
        f.NotificationFactory.create(for_customer=True, title="A customer's")
        Notification.objects.filter(pk=mine[1].pk).update(read_at=timezone.now())
    client = panel_client(tenant_a, "employee")
    html = client.get("/notifications/").content.decode()
    assert (
        html.count('class="inbox-title"') == 2
        and "For me" in html
        and "Not for you" not in html
        and "customer&#x27;s" not in html
    )
    assert "1 unread notification" in html and header_badge(html) == "1"
    assert html.index(f"notification-{mine[1].id}") < html.index(f"notification-{mine[0].id}")
    only = client.get("/notifications/", {"unread": "1"}).content.decode()
    assert f"notification-{mine[0].id}" in only and f"notification-{mine[1].id}" not in only
    # The header on any page carries the count and the link.
    assert header_badge(client.get("/").content.decode()) == "1"


def test_the_inbox_is_paginated(tenant_a):
    me = staff_user(tenant_a, "employee")
    notes(tenant_a, me, 30)
    client = panel_client(tenant_a, "employee")
    first = client.get("/notifications/").content.decode()
    assert first.count('<li id="notification-') == 25 and "1\u201325 of 30" in first
    second = client.get("/notifications/", {"page": "2"}).content.decode()
    assert second.count('<li id="notification-') == 5


def test_marking_one_read_with_htmx_swaps_the_row_and_the_badge(tenant_a):
    me = staff_user(tenant_a, "employee")
    first, _second = notes(tenant_a, me, 2)
    client = panel_client(tenant_a, "employee")
    response = client.post(f"/notifications/{first.id}/read/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<li" not in html and "<html" not in html  # the row's inside, for its <li>
    assert "Mark read" not in html and ">Read<" in html and "data-focus" in html
    # Out of band into the header's inbox link, which every page carries under that id.
    assert 'hx-swap-oob="innerHTML:#header-inbox"' in html
    page = client.get("/notifications/").content.decode()
    assert re.search(r'<a id="header-inbox"[^>]*href="/notifications/"', page)
    assert header_badge(html) == "1"
    assert unread(tenant_a, me) == 1


def test_marking_read_without_javascript_redirects_back(tenant_a):
    me = staff_user(tenant_a, "employee")
    (one,) = notes(tenant_a, me, 1)
    client = panel_client(tenant_a, "employee")
    response = client.post(f"/notifications/{one.id}/read/?unread=1")
    assert response.status_code == 302 and response["Location"] == "/notifications/?unread=1"
    assert unread(tenant_a, me) == 0
    notes(tenant_a, me, 2)
    response = client.post("/notifications/read/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert unread(tenant_a, me) == 0


def test_mark_all_read_touches_only_mine(tenant_a):
    me, other = staff_user(tenant_a, "employee"), staff_user(tenant_a, "manager")
    notes(tenant_a, me, 3)
    notes(tenant_a, other, 2)
    client = panel_client(tenant_a, "employee")
    html = client.post("/notifications/read/", **HTMX).content.decode()
    assert "All notifications are read." in html and "Mark all read" not in html
    assert header_badge(html) == ""
    assert unread(tenant_a, me) == 0 and unread(tenant_a, other) == 2


def test_nobody_sees_or_marks_anybody_elses(tenant_a):
    x, y = staff_user(tenant_a, "employee"), staff_user(tenant_a, "manager")
    (theirs,) = notes(tenant_a, y, 1)
    client = panel_client(tenant_a, "employee")  # signed in as x
    assert client.post(f"/notifications/{theirs.id}/read/", **HTMX).status_code == 404
    assert client.post(f"/notifications/{theirs.id}/read/").status_code == 404
    assert unread(tenant_a, y) == 1
    client.post("/notifications/read/")  # "all" is x's all
    assert unread(tenant_a, y) == 1
    assert unread(tenant_a, x) == 0


def test_the_badge_fragment_is_the_badge_alone(tenant_a):
    me = staff_user(tenant_a, "employee")
    notes(tenant_a, me, 3)
    client = panel_client(tenant_a, "employee")
    with CaptureQueriesContext(connections[tenant_a.alias]) as queries:
        response = client.get("/notifications/badge/", **HTMX)
    html = response.content.decode().strip()
    assert html.startswith('<span class="badge"') and html.endswith("</span>")
    assert ">3<" in html and 'aria-label="3 unread"' in html
    # session, user, the module switch and the count itself
    assert len(queries) == 4, [q["sql"] for q in queries.captured_queries]
    with tenant_context(tenant_a):
        Notification.objects.filter(user=me).update(read_at=timezone.now())
    assert 'class="badge empty"' in client.get("/notifications/badge/").content.decode()


def test_the_inbox_runs_the_same_queries_for_one_or_thirty(tenant_a):
    me = staff_user(tenant_a, "employee")
    client = panel_client(tenant_a, "employee")
    counts = []
    for n in (1, 29):
        notes(tenant_a, me, n)
        with CaptureQueriesContext(connections[tenant_a.alias]) as queries:
            client.get("/notifications/")
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_writes_are_posts_only(tenant_a):
    me = staff_user(tenant_a, "employee")
    (one,) = notes(tenant_a, me, 1)
    client = panel_client(tenant_a, "employee")
    assert client.get(f"/notifications/{one.id}/read/").status_code == 405
    assert client.get("/notifications/read/").status_code == 405
    assert client.post("/notifications/").status_code == 405
    assert unread(tenant_a, me) == 1


def test_with_the_module_off_the_inbox_is_404_and_leaves_the_header(tenant_a):
    me = staff_user(tenant_a, "employee")
    (one,) = notes(tenant_a, me, 1)
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@notifications", is_enabled=False)
    client = panel_client(tenant_a, "employee")
    for method, url in (("get", "/notifications/"), ("get", "/notifications/badge/"),
                        ("post", f"/notifications/{one.id}/read/"),
                        ("post", "/notifications/read/")):  # fmt: skip
        assert getattr(client, method)(url).status_code == 404, url
    assert "/notifications/badge/" not in client.get("/").content.decode()
    assert unread(tenant_a, me) == 1


def test_tenant_a_session_and_ids_are_nothing_on_tenant_b(tenant_a, tenant_b):
    me = staff_user(tenant_a, "employee")
    (mine,) = notes(tenant_a, me, 1)
    client = panel_client(tenant_a, "employee")
    host_b = f"{tenant_b.slug}.localhost"
    for url in ("/notifications/", "/notifications/badge/"):
        response = client.get(url, HTTP_HOST=host_b)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(f"/notifications/{mine.id}/read/", HTTP_HOST=host_b)
    assert response.status_code in (302, 403)
    # B's own user, with A's notification id on B's host: not found there.
    b_client = panel_client(tenant_b, "employee")
    assert b_client.post(f"/notifications/{mine.id}/read/", **HTMX).status_code == 404
    assert unread(tenant_a, me) == 1


def test_anonymous_visitors_are_sent_to_sign_in(tenant_a):
    client = Client(HTTP_HOST=f"{tenant_a.slug}.localhost")
    response = client.get("/notifications/badge/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
