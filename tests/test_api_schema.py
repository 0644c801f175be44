"""The OpenAPI schema validates, and Swagger UI is served with our own assets."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import run_manage


def test_spectacular_validates_without_warnings(committed, tmp_path):
    result = run_manage(
        "spectacular", "--urlconf", "dockpulse.urls_tenant", "--validate", "--fail-on-warn",
        "--file", str(tmp_path / "schema.yaml"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    schema = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/v1/auth/token/", "/api/v1/users/{id}/", "/api/v1/settings/modules/"):
        assert f"  {path}:" in schema


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
