"""What the platform host's browser tests share: its URLs, screenshots, throwaway platform
admins (the `admins` fixture in tests/e2e/conftest.py removes them), signing in."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dockpulse.tenancy import platform_context
from tenant_apps.accounts.models import User
from tests.support import TEST_PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
HOST = "app.localhost"


def url(server: Any, path: str = "/") -> str:
    return f"http://{HOST}:{server.port}{path}"


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"platform-{name}-{width}.png"), full_page=True)


def new_admin(admins: list[str], *, device: bool) -> tuple[str, TOTPDevice | None]:
    email = f"ops-{uuid.uuid4().hex[:8]}@platform.example.com"
    admins.append(email)
    with platform_context():
        user = User.objects.create_superuser(email, TEST_PASSWORD, name="Ops")
        made = (
            TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
            if device
            else None
        )
    return email, made


def watch(page: Any) -> Any:
    """PageProblems, less Chromium's own /favicon.ico probe: when a navigation (the audit
    filter's auto-submit) aborts the page's SVG icon, Chromium sometimes asks for
    /favicon.ico by itself, and its 404 shows in the console with no URL in the text."""
    from tests.e2e.conftest import PageProblems

    problems = PageProblems(page)
    probes: list[str] = []

    def probe(message: Any) -> None:
        if message.type == "error" and message.location.get("url", "").endswith("/favicon.ico"):
            probes.append(message.text)

    page.on("console", probe)
    original = problems.check

    def check() -> None:
        for text in probes:
            problems.problems.remove(f"console: {text}")
        original()

    problems.check = check  # type: ignore[method-assign]
    return problems


def sign_in_with_password(page: Any, server: Any, email: str) -> None:
    page.goto(url(server, "/"))
    assert re.search(r"/login/\?next=/$", page.url)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def totp_code(device: TOTPDevice) -> str:
    """The code the admin's app shows now."""
    with platform_context():
        device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in(page: Any, server: Any, email: str, device: TOTPDevice, path: str = "/") -> None:
    """Password and the app's code, as an admin types them; ends on `path`."""
    page.goto(url(server, path))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/login/code/"))
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(url(server, path))
