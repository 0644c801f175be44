"""What the schemathesis run (tests/test_api_fuzz.py) found, one test per kind of defect:
each would fail again if the defect came back, without the fuzzing's luck."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.utils import translation
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.throttling import SimpleRateThrottle

from dockpulse.api.schema import SchemaGenerator
from dockpulse.tenancy import tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.notifications.api import InboxViewSet
from tenant_apps.products.models import Product
from tests import factories as f
from tests.portal_support import portal_bearer, portal_customer
from tests.support import api, assert_error, client_for, fields_of, seed, staff_user

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def schema(tenant_a: Any) -> dict[str, Any]:
    response = api().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    served: dict[str, Any] = response.json()
    return served


def ok_body(schema: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    responses = schema["paths"][path][method]["responses"]
    code = min(code for code in responses if code.startswith("2"))
    body: dict[str, Any] = responses[code]["content"]["application/json"]["schema"]
    return body


def component(schema: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
    return found


# --- lists came in pages but were documented as bare arrays ---------------------------


def test_paged_lists_are_documented_as_pages(tenant_a: Any, schema: dict[str, Any]) -> None:
    listed = client_for(tenant_a).get("/api/v1/orders/").json()
    assert set(listed) == {"count", "next", "previous", "results"}
    page = component(schema, ok_body(schema, "/api/v1/orders/"))
    assert set(page["required"]) >= {"count", "results"}
    assert page["properties"]["results"]["type"] == "array"
    parameters = {p["name"] for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"]}
    assert {"page", "page_size"} <= parameters
    # The inbox's page carries the unread count as well.
    inbox = component(schema, ok_body(schema, "/api/v1/notifications/"))
    assert "unread_count" in inbox["required"]


def test_whole_lists_stay_arrays(tenant_a: Any, schema: dict[str, Any]) -> None:
    for path in ("/api/v1/orders/{id}/history/", "/api/v1/settings/modules/", "/api/v1/reports/"):
        assert ok_body(schema, path)["type"] == "array", path
    assert isinstance(client_for(tenant_a).get("/api/v1/settings/modules/").json(), list)


# --- an /api/ path no route matched got the staff panel's HTML 404 ---------------------


def test_unmatched_api_paths_are_json_404s(tenant_a: Any) -> None:
    client = client_for(tenant_a)
    for path in (
        "/api/v1/customers/%C2%84/",  # an id that does not fit the route's pattern
        "/api/v1/settings/modules/nope/",
        "/api/v1/no-such-resource/",
        "/api/v1/",  # the root: no route of its own
    ):
        assert_error(client.get(path), 404, "not_found")
        assert_error(client.patch(path, {}, format="json"), 404, "not_found")


def test_a_path_without_its_slash_is_a_404_unless_the_slash_makes_it_a_route(
    tenant_a: Any, settings: Any
) -> None:
    # DEBUG on: Django's APPEND_SLASH raised a RuntimeError (a 500) for a POST it could
    # not redirect; the catch-all must answer before it.
    settings.DEBUG = True
    client = client_for(tenant_a)
    for method in ("get", "post", "delete"):
        assert_error(getattr(client, method)("/api/v1/no-such"), 404, "not_found")
        assert_error(getattr(client, method)("/api/v1/customers/%C2%84"), 404, "not_found")
    # A list without its slash still redirects to it, as APPEND_SLASH did (a 301 for GET),
    # the query string kept.
    redirect = client.get("/api/v1/customers?search=Nowak")
    assert redirect.status_code == 301
    assert redirect["Location"] == "/api/v1/customers/?search=Nowak"
    # Any other method a 308: the client repeats the same method with the same body.
    created = client.post("/api/v1/customers", {"name": "Jan"}, format="json")
    assert created.status_code == 308
    assert created["Location"] == "/api/v1/customers/"
    assert client.get("/api/v1/portal/home")["Location"] == "/api/v1/portal/home/"
    # Outside /api/v1/ nothing changed: the schema and the docs, and APPEND_SLASH for them.
    assert api().get("/api/schema/").status_code == 200
    assert api().get("/api/docs/").status_code == 200
    assert api().get("/api/schema")["Location"] == "/api/schema/"


def test_an_api_404_is_json_whatever_the_client_accepts(tenant_a: Any) -> None:
    for accept in ("text/html", "text/csv", "image/png;q=1, */*;q=0"):
        response = api().get("/api/v1/no-such/", HTTP_ACCEPT=accept)
        assert response["Content-Type"] == "application/json"
        assert_error(response, 404, "not_found")


def test_api_404s_spend_no_throttle_budget(tenant_a: Any, monkeypatch: Any) -> None:
    # Two anonymous calls a minute, counted in a cache of this test's own: the old view
    # (the default throttles) answered the third miss with a 429.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache("api-404-throttles", {}))
    for _ in range(4):
        assert_error(api().get("/api/v1/no-such/"), 404, "not_found")
    assert SimpleRateThrottle.cache._cache == {}  # type: ignore[attr-defined]


def test_a_user_id_that_is_no_uuid_is_a_404(tenant_a: Any) -> None:
    client = client_for(tenant_a)
    assert_error(client.get("/api/v1/users/null,null/"), 404, "not_found")
    assert_error(client.delete("/api/v1/users/null,null/"), 404, "not_found")


# --- a NUL character in a text filter reached PostgreSQL: a 500 ----------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/settings/triggers/", "event_type"),
        ("/api/v1/customers/", "search"),
        ("/api/v1/orders/", "status"),
        ("/api/v1/products/", "category"),
        ("/api/v1/stock/movements/", "kind"),
    ],
)
def test_a_nul_character_in_a_filter_is_a_400(tenant_a: Any, path: str, name: str) -> None:
    response = client_for(tenant_a).get(path, {name: "a\x00b"})
    assert fields_of(response) == {name: ["Null characters are not allowed."]}


# --- responses the schema did not allow --------------------------------------------------


def test_a_draft_quote_has_no_order_number_and_the_schema_allows_it(
    tenant_a: Any, schema: dict[str, Any]
) -> None:
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        quote = f.QuoteFactory.create(
            customer=data["customer"], lines=[{"product": data["P1"].pk, "quantity": "1"}]
        )
    body = client_for(tenant_a).get(f"/api/v1/quotes/{quote.pk}/").json()
    assert body["order_number"] is None
    quote_out = component(schema, ok_body(schema, "/api/v1/quotes/{id}/"))
    assert quote_out["properties"]["order_number"].get("nullable") is True


def test_chart_values_may_be_counts(schema: dict[str, Any]) -> None:
    # The funnel's chart counts quotes: numbers, where money reports give decimal strings.
    value = schema["components"]["schemas"]["ReportChartPoint"]["properties"]["value"]
    assert {"type": "integer"} in value["oneOf"]
    assert {"type": "string"} in value["oneOf"]


def test_an_import_refusal_is_documented_in_its_own_shape(
    tenant_a: Any, schema: dict[str, Any]
) -> None:
    response = client_for(tenant_a).post("/api/v1/customers/import/", {}, format="multipart")
    assert_error(response, 400, "invalid")
    refusal = schema["paths"]["/api/v1/customers/import/"]["post"]["responses"]["400"]
    shape = component(schema, refusal["content"]["application/json"]["schema"])
    assert shape["required"] == ["error"]
    assert {"rows", "created", "dry_run", "errors"} <= set(shape["properties"])


# --- error statuses the endpoints answer but the schema did not list ----------------------


def test_errors_are_documented_where_they_are_answered(schema: dict[str, Any]) -> None:
    def codes(path: str, method: str) -> set[str]:
        return set(schema["paths"][path][method]["responses"])

    assert {"400", "401", "403", "404", "409", "415"} <= codes("/api/v1/quotes/{id}/", "patch")
    assert {"401", "403", "404", "409"} <= codes("/api/v1/customers/{id}/", "delete")
    assert {"400", "401", "429"} <= codes("/api/v1/auth/token/", "post")
    assert {"401", "404"} <= codes("/api/v1/portal/home/", "get")  # 404: @portal off
    assert "415" not in codes("/api/v1/customers/{id}/", "get")
    # Public endpoints answer no 401 (no token is needed) and no 403.
    assert not {"401", "403"} & codes("/api/v1/auth/password/reset/", "post")
    # Every error is in the one shape.
    error = schema["paths"]["/api/v1/customers/{id}/"]["delete"]["responses"]["409"]
    assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_a_body_without_a_content_type_is_a_documented_415(tenant_a: Any) -> None:
    data = seed(tenant_a)
    with tenant_context(tenant_a):
        order = f.OrderFactory.create(
            customer=data["customer"], lines=[{"product": data["P1"].pk, "quantity": "1"}]
        )
    response = client_for(tenant_a).generic(
        "POST", f"/api/v1/orders/{order.pk}/transition/", "to=shipped", content_type=""
    )
    assert_error(response, 415, "unsupported_media_type")


def test_a_reorder_documents_its_400_and_409_and_answers_them(
    tenant_a: Any, schema: dict[str, Any]
) -> None:
    customer = portal_customer(
        tenant_a, address_street="Długa 5", address_postal_code="00-001", address_city="Gdańsk"
    )
    with tenant_context(tenant_a):
        product = f.ProductFactory.create(code="R-1", name="Brick", price=Decimal("10.00"))
        order = f.OrderFactory.create(
            customer=customer, lines=[{"product": product.pk, "quantity": "1000"}]
        )
        # Today's price makes the same 1,000 pieces a line past the largest total.
        Product.objects.filter(pk=product.pk).update(price=Decimal("9999999999.99"))
    client = portal_bearer(tenant_a)
    url = f"/api/v1/portal/orders/{order.pk}/reorder/"
    assert "lines.0.quantity" in fields_of(client.post(url))
    with tenant_context(tenant_a):
        Product.objects.filter(pk=product.pk).update(is_active=False)
    assert_error(client.post(url), 409, "nothing_to_reorder")
    responses = schema["paths"]["/api/v1/portal/orders/{id}/reorder/"]["post"]
    assert {"400", "409"} <= set(responses["responses"])


def test_deactivating_oneself_is_a_documented_400(tenant_a: Any, schema: dict[str, Any]) -> None:
    admin = staff_user(tenant_a, "admin")
    response = client_for(tenant_a).delete(f"/api/v1/users/{admin.pk}/")
    assert fields_of(response) == {"is_active": ["You cannot deactivate yourself."]}
    with tenant_context(tenant_a):
        assert User.objects.get(pk=admin.pk).is_active
    assert "400" in schema["paths"]["/api/v1/users/{id}/"]["delete"]["responses"]


@pytest.mark.parametrize(
    ("path", "filters"),
    [
        ("/api/v1/customers/export/", {"search", "tag"}),
        ("/api/v1/products/export/", {"search", "category", "unit", "is_active"}),
    ],
)
def test_csv_exports_document_their_filters_and_400(
    tenant_a: Any, schema: dict[str, Any], path: str, filters: set[str]
) -> None:
    seed(tenant_a)
    client = client_for(tenant_a)
    # CSV also for a client that asks for nothing else (it was a 406).
    everything = client.get(path, HTTP_ACCEPT="text/csv").content.decode().splitlines()
    # The documented filters filter (the export is what the list shows)...
    narrowed = client.get(path, {"search": "no such thing at all"}).content.decode()
    assert len(everything) > 1 and narrowed.splitlines() == everything[:1]
    # ...and a NUL character in one is the documented 400, in the error shape.
    assert fields_of(client.get(path, {"search": "a\x00b"})) == {
        "search": ["Null characters are not allowed."]
    }
    operation = schema["paths"][path]["get"]
    assert {p["name"] for p in operation["parameters"]} == filters
    assert "400" in operation["responses"]


# --- a page past the last is a 404 only for lists in pages; the inbox's lenient filter ----


def test_a_whole_list_ignores_the_page_and_documents_no_404(
    tenant_a: Any, schema: dict[str, Any]
) -> None:
    client = client_for(tenant_a)
    assert isinstance(client.get("/api/v1/settings/modules/", {"page": 99}).json(), list)
    assert_error(client.get("/api/v1/orders/", {"page": 99}), 404, "not_found")
    paths = schema["paths"]
    assert "404" not in paths["/api/v1/settings/modules/"]["get"]["responses"]
    assert "404" in paths["/api/v1/orders/"]["get"]["responses"]


def test_the_inbox_filter_is_strict_as_documented(tenant_a: Any, schema: dict[str, Any]) -> None:
    admin = staff_user(tenant_a, "admin")
    with tenant_context(tenant_a):
        f.NotificationFactory.create(user=admin, title="Read", read_at="2026-01-01T10:00Z")
        f.NotificationFactory.create(user=admin, title="New")
    client = client_for(tenant_a)
    unread = client.get("/api/v1/notifications/", {"unread": "true"}).json()
    assert [n["title"] for n in unread["results"]] == ["New"] and unread["unread_count"] == 1
    assert client.get("/api/v1/notifications/", {"unread": "0"}).json()["count"] == 2
    # Its schema documents a 400 (a boolean parameter): "maybe" is one, naming it.
    assert list(fields_of(client.get("/api/v1/notifications/", {"unread": "maybe"}))) == ["unread"]
    assert "400" in schema["paths"]["/api/v1/notifications/"]["get"]["responses"]


# --- the schema and the answer read a list's paging from the same place -----------------


def test_a_view_without_pages_answers_and_is_documented_whole(
    tenant_a: Any, monkeypatch: Any
) -> None:
    admin = staff_user(tenant_a, "admin")
    with tenant_context(tenant_a):
        f.NotificationFactory.create(user=admin, title="New")
    client = client_for(tenant_a)
    assert client.get("/api/v1/notifications/").json()["unread_count"] == 1  # a page
    monkeypatch.setattr(InboxViewSet, "pagination_class", None)
    assert [n["title"] for n in client.get("/api/v1/notifications/").json()] == ["New"]
    with translation.override("en"):
        generated = SchemaGenerator(urlconf="dockpulse.urls_tenant").get_schema(public=True)
    schema = json.loads(OpenApiJsonRenderer().render(generated))
    inbox = ok_body(schema, "/api/v1/notifications/")
    assert inbox["type"] == "array"
    parameters = {p["name"] for p in schema["paths"]["/api/v1/notifications/"]["get"]["parameters"]}
    assert "page" not in parameters


# --- a body the schema did not describe ---------------------------------------------------


def test_marking_notifications_read_answers_the_documented_body(
    tenant_a: Any, schema: dict[str, Any]
) -> None:
    admin = staff_user(tenant_a, "admin")
    with tenant_context(tenant_a):
        f.NotificationFactory.create(user=admin, title="New")
    body = client_for(tenant_a).post("/api/v1/notifications/read/", {}, format="json").json()
    assert body == {"marked": 1, "unread_count": 0}
    documented = component(schema, ok_body(schema, "/api/v1/notifications/read/", "post"))
    assert set(documented["required"]) == set(body)
    assert {documented["properties"][key]["type"] for key in body} == {"integer"}
