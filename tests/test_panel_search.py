"""The search page and the header box's dropdown, over providers registered here (the
apps' own providers have their own tests): grouping, limits, modules and roles, query
counts, isolation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dockpulse import extensions
from dockpulse.extensions import SearchHit
from dockpulse.tenancy import tenant_context
from tenant_apps.products.models import Product
from tests import factories as f
from tests.support import panel_client

pytestmark = pytest.mark.django_db(databases="__all__")

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def find_products(query: str, limit: int) -> list[SearchHit]:
    """One indexed query, as the apps' providers are."""
    return [
        SearchHit(title=p.name, detail=p.code, url=f"/products/{p.pk}/")
        for p in Product.objects.filter(name__icontains=query).order_by("code")[:limit]
    ]


def find_nothing(query: str, limit: int) -> list[SearchHit]:
    return []


@pytest.fixture
def providers(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Only this module's providers: one per module, one for admins only."""
    registry: dict[str, Any] = {}
    monkeypatch.setattr(extensions, "_SEARCH", registry)
    extensions.search_provider("things", label="Things", find=find_products, order=1,
                               module="@products", resource="products")  # fmt: skip
    extensions.search_provider("secrets", label="Secret things", find=find_products, order=2,
                               module="@products", resource="settings")  # fmt: skip
    extensions.search_provider("empty", label="Empty", find=find_nothing, order=3)
    return registry


def hits(html: str) -> int:
    return len(re.findall(r'href="/products/[0-9a-f-]{36}/"', html))


def products(tenant: Any, n: int, name: str = "Zebra") -> None:
    with tenant_context(tenant):
        for i in range(n):
            code = f"{name[:3].upper()}{len(name)}-{i:03d}"
            f.ProductFactory.create(code=code, name=f"{name} {i}")


def test_the_dropdown_groups_hits_by_provider_with_at_most_five(tenant_a, providers):
    products(tenant_a, 7)
    html = panel_client(tenant_a).get("/search/", {"q": "zebra"}, **HTMX).content.decode()
    assert "<html" not in html  # a fragment for #search-results
    assert '<h3 id="search-group-things">Things</h3>' in html
    assert hits(html) == 10  # 5 things + 5 secret things (an admin)
    assert "Zebra 0" in html and "ZEB5-000" in html and "Zebra 5" not in html
    assert "Empty" not in html  # a provider without hits has no heading
    assert 'href="/search/?q=zebra"' in html  # all results


def test_the_dropdown_says_no_results_and_waits_for_two_characters(tenant_a, providers):
    client = panel_client(tenant_a)
    assert "No results" in client.get("/search/", {"q": "qx"}, **HTMX).content.decode()
    for short in ("", "z", " z "):
        response = client.get("/search/", {"q": short}, **HTMX)
        assert response.status_code == 200 and response.content == b""  # the box stays shut


def test_the_full_page_shows_up_to_twenty_per_provider(tenant_a, providers):
    products(tenant_a, 23)
    client = panel_client(tenant_a)
    html = client.get("/search/", {"q": "zebra"}).content.decode()
    assert "<html" in html and "<h1>Search</h1>" in html
    assert '<h2 id="search-page-things">Things</h2>' in html
    assert hits(html) == 40
    assert 'value="zebra"' in html  # the header box and the page's own box keep the query
    html = client.get("/search/", {"q": "nothing-like-this"}).content.decode()
    assert "No results for “nothing-like-this”." in html
    assert "Type at least 2 characters." in client.get("/search/", {"q": "z"}).content.decode()


def test_providers_follow_the_roles_and_the_modules(tenant_a, providers):
    products(tenant_a, 1)
    html = panel_client(tenant_a, "employee").get("/search/", {"q": "zebra"}).content.decode()
    assert "Things" in html and "Secret things" not in html  # settings: admins only
    with tenant_context(tenant_a):
        f.TenantModuleFactory.create(module_code="@products", is_enabled=False)
    html = panel_client(tenant_a).get("/search/", {"q": "zebra"}, **HTMX).content.decode()
    assert "Things" not in html and "No results" in html


def test_each_provider_runs_the_same_queries_for_one_hit_or_many(tenant_a, providers):
    client = panel_client(tenant_a)
    counts = []
    for extra in (1, 15):
        products(tenant_a, extra, name=f"Quagga{extra}")
        for args in ({}, HTMX):
            with CaptureQueriesContext(connections[tenant_a.alias]) as queries:
                response = client.get("/search/", {"q": f"quagga{extra}"}, **args)
            assert f"Quagga{extra} 0" in response.content.decode()
            counts.append(len(queries))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


def test_a_search_on_a_never_returns_bs_rows(tenant_a, tenant_b, providers):
    products(tenant_b, 2, name="Okapi")
    client = panel_client(tenant_a)
    assert "Okapi" not in client.get("/search/", {"q": "okapi"}).content.decode()
    # A's session is nobody on B's host.
    response = client.get("/search/", {"q": "okapi"}, HTTP_HOST=f"{tenant_b.slug}.localhost")
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.get(
        "/search/", {"q": "okapi"}, HTTP_HOST=f"{tenant_b.slug}.localhost", **HTMX
    )
    assert response.status_code == 302 and "Okapi" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(tenant_a, providers):
    response = Client(HTTP_HOST=f"{tenant_a.slug}.localhost").get("/search/", {"q": "zebra"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_customers_provider_finds_only_this_tenants_customers(tenant_a, tenant_b):
    """With the real registry: the customers app's provider, if it is there."""
    if not any(p.key == "customers" for p in extensions.search_providers()):
        pytest.skip("the customers app registers no search provider yet")
    with tenant_context(tenant_b):
        f.CustomerFactory.create(name="Bartholomew Zzyzx")
    with tenant_context(tenant_a):
        f.CustomerFactory.create(name="Alice Zzyzx")
    html = panel_client(tenant_a).get("/search/", {"q": "zzyzx"}, **HTMX).content.decode()
    assert "Alice Zzyzx" in html and "Bartholomew" not in html
