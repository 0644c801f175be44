"""The OpenAPI schema validates, and Swagger UI is served with our own assets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.test import Client

from tests.support import run_manage

HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


@pytest.fixture(scope="module")
def cli_schema(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`manage.py spectacular` for the tenant URLConf, validated; run once for the module."""
    target: Path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    result = run_manage(
        "spectacular", "--urlconf", "dockpulse.urls_tenant", "--validate", "--fail-on-warn",
        "--file", str(target),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return target.read_text()


def api_operations(schema: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method in item
        if method in HTTP_METHODS
    }


def test_spectacular_validates_without_warnings(cli_schema: str) -> None:
    for path in ("/api/v1/auth/token/", "/api/v1/users/{id}/", "/api/v1/settings/modules/"):
        assert f"  {path}:" in cli_schema


@pytest.mark.django_db(databases="__all__")
def test_served_schema_has_the_same_operations_as_the_command(cli_schema: str) -> None:
    expected = api_operations(yaml.safe_load(cli_schema))
    assert ("/api/v1/customers/", "get") in expected
    response = Client(HTTP_HOST="tenant-a.localhost").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert api_operations(response.json()) == expected


@pytest.mark.django_db(databases="__all__")
def test_swagger_ui_assets_come_from_this_server():
    client = Client(HTTP_HOST="tenant-a.localhost")
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/static/"), asset  # no CDN
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"DockPulse API" in schema.content
