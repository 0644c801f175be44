"""What the browser tests share: the URL of a tenant's page on the test server, where the
screenshots go, and the check that a phone's width needs no sideways scrolling."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.support import host_of

# SCREENSHOT_DIR=/tmp/shots to look at them while working.
SHOTS = Path(
    os.environ.get("SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots"
)


def url(server: Any, tenant: Any, path: str = "/") -> str:
    return f"http://{host_of(tenant)}:{server.port}{path}"


def screenshot(page: Any, name: str) -> None:
    """The whole page as var/screenshots/<name>.png, once it has settled: its requests
    (the favicon's too) done, or leaving the page would abort them."""
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
