"""What the schemathesis run (tests/test_api_fuzz.py) found, one test per kind of defect:
each would fail again if the defect came back, without the fuzzing's luck."""

from __future__ import annotations

from typing import Any

import pytest

from dockpulse.tenancy import tenant_context
from tests import factories as f
from tests.support import api, assert_error, client_for, fields_of, seed

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
    ):
        assert_error(client.get(path), 404, "not_found")
        assert_error(client.patch(path, {}, format="json"), 404, "not_found")
    # Without its slash a list still redirects to it (APPEND_SLASH), as before.
    redirect = client.get("/api/v1/customers")
    assert redirect.status_code == 301
    assert redirect["Location"].endswith("/api/v1/customers/")


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
