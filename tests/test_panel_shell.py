"""The staff panel's shell: every page guarded the same way, the CSP, language and formats.

The walk over the tenant URLConf is what keeps a new page from forgetting its guard: each
page URL must carry `dockpulse.web.access.staff_page`, and then, with no page-specific
code here, a session of tenant A is a stranger on tenant B's host, a role outside the
matrix gets 403 and a switched-off module 404.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation

from dockpulse import extensions
from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.middleware import TenantTimezoneMiddleware
from tenant_apps.accounts.models import User
from tests import factories as f
from tests.support import TEST_PASSWORD, host_of, panel_client, staff_user

pytestmark = pytest.mark.django_db(databases="__all__")

# Tenant-host URLs that are not staff-panel pages: sign-in, the admin, the API, i18n.
PUBLIC_PREFIXES = (
    "login/", "logout/", "password_change/", "password_reset/", "reset/", "language/",
    "admin/", "i18n/", "api/",
    # The customers' portal: its own guard (portal_page), walked by tests/test_portal_auth.py.
    "portal/",
    # Impersonation: the one-time link is opened signed out; End has its own session check
    # (tests/test_platform_impersonation.py).
    "impersonate/",
)  # fmt: skip


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _guard(callback: Any) -> tuple[str, str, str | None] | None:
    guard = getattr(callback, "staff_page", None)
    view_class = getattr(callback, "view_class", None)
    if guard is None and view_class is not None:
        guard = getattr(view_class.dispatch, "staff_page", None)
    return guard


def _url(route: str) -> str:
    # Fill converters with values that parse: a random id exists in no tenant.
    path = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route)
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<(str|slug):\w+>", "x", path)
    return "/" + path.lstrip("^").rstrip("$")


def panel_pages() -> list[tuple[str, tuple[str, str, str | None]]]:
    pages = []
    for route, callback in _walk(get_resolver("dockpulse.urls_tenant").url_patterns):
        if route.startswith(PUBLIC_PREFIXES):
            continue
        guard = _guard(callback)
        assert guard is not None, f"/{route} is a panel page without staff_page()"
        pages.append((_url(route), guard))
    return pages


def test_every_panel_page_is_guarded():
    urls = [url for url, _guard in panel_pages()]
    assert "/" in urls


def test_anonymous_visitors_are_sent_to_login(tenant_a):
    client = Client(HTTP_HOST=host_of(tenant_a))
    for url, _guard in panel_pages():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_a_session_of_tenant_a_is_a_stranger_on_tenant_b(tenant_a, tenant_b):
    client = panel_client(tenant_a, "admin")
    for url, _guard in panel_pages():
        for method in (client.get, client.post):
            # The same browser (its session cookie), tenant B's address.
            response = method(url, HTTP_HOST=host_of(tenant_b))
            assert response.status_code == 302, (url, response.status_code)
            assert response["Location"].startswith("/login/"), url
        # ...which cost tenant A's session nothing: it was never B's to end.
        client = panel_client(tenant_a, "admin")


@pytest.mark.parametrize("role", ["employee", "manager", "admin"])
def test_each_role_gets_exactly_what_the_matrix_allows(tenant_a, role):
    client = panel_client(tenant_a, role)
    for url, (resource, action, _module) in panel_pages():
        allowed = role in extensions.rules_of(resource).get(action, frozenset())
        status = client.get(url).status_code
        if allowed:
            assert status != 403, (role, url)
        else:
            assert status == 403, (role, url, status)


def test_a_switched_off_module_hides_its_entry_and_its_pages_are_404(tenant_a):
    modules = {module for _url, (_r, _a, module) in panel_pages() if module}
    assert modules, "no page belongs to a module"
    client = panel_client(tenant_a, "admin")
    for module in sorted(modules):
        with tenant_context(tenant_a):
            f.TenantModuleFactory.create(module_code=module, is_enabled=False)
        for url, (_r, _a, page_module) in panel_pages():
            if page_module == module:
                assert client.get(url).status_code == 404, (module, url)
        entries = {e.url_name for e in extensions.nav_entries() if e.module == module}
        home = client.get("/").content.decode()
        for entry in extensions.nav_entries():
            if entry.module == module and entry.area == extensions.MAIN:
                assert f">{entry.label}</a>" not in home, (module, entries)
        with tenant_context(tenant_a):
            f.TenantModuleFactory.create(module_code=module, is_enabled=True)


def test_pages_carry_a_strict_content_security_policy_and_no_inline_script(tenant_a):
    client = panel_client(tenant_a, "admin")
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html and " onclick=" not in html


def test_static_files_are_served_from_this_host(tenant_a):
    client = Client(HTTP_HOST=host_of(tenant_a))
    for path in ("/static/css/app.css", "/static/js/panel.js", "/static/django_htmx/htmx-2.min.js"):
        assert client.get(path).status_code == 200, path


def test_the_language_choice_is_remembered_for_the_user_in_any_browser(tenant_a):
    client = panel_client(tenant_a, "manager")
    response = client.post("/language/", {"language": "pl", "next": "/"})
    assert response.status_code == 302
    assert 'lang="pl"' in client.get("/").content.decode()
    with tenant_context(tenant_a):
        assert (
            User.objects.get(email=f"manager@{tenant_a.slug}.example.com").settings["language"]
            == "pl"
        )
    # Another browser, no cookie, an English Accept-Language: still Polish for this user.
    fresh = Client(HTTP_HOST=host_of(tenant_a), HTTP_ACCEPT_LANGUAGE="en")
    fresh.post("/login/", {"username": f"manager@{tenant_a.slug}.example.com",
                           "password": TEST_PASSWORD})  # fmt: skip
    assert 'lang="pl"' in fresh.get("/").content.decode()


def test_an_unknown_language_is_not_saved(tenant_a):
    user = staff_user(tenant_a, "employee")
    client = panel_client(tenant_a, "employee")
    client.post("/language/", {"language": "xx", "next": "/"})
    with tenant_context(tenant_a):
        user.refresh_from_db()
        assert "language" not in user.settings


def test_money_numbers_and_dates_in_polish_and_english():
    template = Template(
        "{% load panel %}{{ amount|money }}|{{ big|num }}|{{ q|qty }}|"
        '{{ when|date:"SHORT_DATE_FORMAT" }}'
    )
    context = Context(
        {
            "amount": Decimal("1234.5"),
            "big": 1234567,
            "q": Decimal("2.500"),
            "when": datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        }
    )
    with translation.override("pl"):
        assert template.render(context) == "1\xa0234,50\xa0zł|1\xa0234\xa0567|2,5|01.12.2026"
    with translation.override("en"):
        assert template.render(context) == "PLN\xa01,234.50|1,234,567|2.5|2026-12-01"


def test_change_tag_reads_up_down_and_nothing_to_compare():
    template = Template(
        "{% load panel %}{% change now before as c %}{{ c.pct|default:'-' }} {{ c.direction }}"
    )
    assert template.render(Context({"now": 150, "before": 100})) == "+50 up"
    assert template.render(Context({"now": 50, "before": 100})) == "-50 down"
    assert template.render(Context({"now": 5, "before": 0})) == "- up"


def test_times_are_shown_in_the_tenant_time_zone(tenant_a):
    seen = []

    def view(request: Any) -> HttpResponse:
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    request = RequestFactory().get("/")
    request.tenant = replace(tenant_a, time_zone="Asia/Tokyo")  # type: ignore[attr-defined]
    TenantTimezoneMiddleware(view)(request)
    request.tenant = replace(tenant_a, time_zone="No/Such_Zone")  # type: ignore[attr-defined]
    TenantTimezoneMiddleware(view)(request)
    assert seen == ["Asia/Tokyo", "Europe/Warsaw"]
    assert timezone.get_current_timezone_name() == "UTC"  # only for the request
