"""Swagger UI on a tenant host shows that tenant's API in a real browser."""

from __future__ import annotations

import mimetypes
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# Kept after the run, to look at what the browser drew.
SCREENSHOT = Path(tempfile.gettempdir()) / "swagger.png"


def serve_static(page: Any) -> None:
    """Answer /static/ as Caddy does in deployment: gunicorn itself never serves those files."""

    def fulfil(route: Any) -> None:
        found = finders.find(urlsplit(route.request.url).path.removeprefix("/static/"))
        if not found:
            route.fulfill(status=404)
            return
        kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
        route.fulfill(status=200, body=Path(found).read_bytes(), content_type=kind)

    page.route("**/static/**", fulfil)


def test_swagger_ui_lists_the_tenant_operations(committed, http_server, page):
    serve_static(page)
    page.goto(f"http://tenant-a.localhost:{http_server.port}/api/docs/")
    expect(page.get_by_role("heading", name="DockPulse API")).to_be_visible()
    # One section per resource (SCHEMA_PATH_PREFIX = /api/v1), each listing its operations.
    for tag in ("customers", "products", "orders", "quotes", "stock"):
        expect(page.locator(f'.opblock-tag-section h3[data-tag="{tag}"]')).to_be_visible()
    for path in (
        "/api/v1/customers/", "/api/v1/products/", "/api/v1/orders/",
        "/api/v1/orders/{id}/transition/", "/api/v1/quotes/", "/api/v1/quotes/{id}/accept/",
        "/api/v1/stock/levels/", "/api/v1/stock/receive/", "/api/v1/stock/adjust/",
    ):  # fmt: skip
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]').first).to_be_visible()
    expect(page.get_by_text("No operations defined in spec!")).to_have_count(0)
    # The title and the first resources; the whole page is ~9,000 pixels tall.
    page.screenshot(
        path=str(SCREENSHOT), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1200}
    )
