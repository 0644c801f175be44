"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without these, Chromium keeps calling home and this machine's closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Module scope: sync Playwright keeps an event loop running in this thread, and Django
# refuses database work while one runs, so it must not outlive the browser tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: `make test` installs it with apt-get when run as root")
    from playwright.sync_api import sync_playwright

    # Sync Playwright keeps an event loop in this thread, so Django takes the tests'
    # database work for async code and refuses it; nothing here runs concurrently with it
    # (the remedy Django's docs give for Playwright and notebooks).
    monkey = pytest.MonkeyPatch()
    monkey.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    monkey.undo()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


class PageProblems:
    """What a user would notice went wrong: console errors, script errors, failed
    requests and error responses. A test that expects an error status says so."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        self.expected_statuses: set[int] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _failed(self, request: Any) -> None:
        # The browser fetches the favicon on its own and drops the fetch when the page moves
        # on first: nothing the page asked for, nothing a user sees.
        if request.url.endswith("/favicon.svg") and "ERR_ABORTED" in str(request.failure):
            return
        self.problems.append(f"failed request: {request.method} {request.url} {request.failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in self.expected_statuses:
            self.problems.append(
                f"HTTP {response.status}: {response.request.method} {response.url}"
            )

    def expect(self, *statuses: int) -> None:
        self.expected_statuses.update(statuses)

    def check(self) -> None:
        # An expected 4xx still logs "Failed to load resource" in the console.
        problems = [
            problem
            for problem in self.problems
            if not (
                problem.startswith("console: Failed to load resource")
                and any(f"status of {status}" in problem for status in self.expected_statuses)
            )
        ]
        assert problems == [], problems


@pytest.fixture
def watched(page: Any) -> Iterator[tuple[Any, PageProblems]]:
    """A page whose console errors and failed requests fail the test at its end."""
    problems = PageProblems(page)
    yield page, problems
    problems.check()


@pytest.fixture(autouse=True)
def _close_connections_while_the_loop_runs() -> Iterator[None]:
    """Connections a test opened while Playwright's loop ran are kept per context, out of
    reach of pytest-django's teardown: close them here, or the test databases cannot be
    dropped at the end of the run."""
    yield
    from django.db import connections

    connections.close_all()


@pytest.fixture
def admins(committed: None) -> Iterator[list[str]]:
    """Committed platform admins (the browser's server is another process), removed after;
    tests/e2e/platform.py `new_admin` adds one."""
    made: list[str] = []
    yield made
    # Not User.delete(): its cascade would look for the tenant apps' tables, which the
    # platform database does not have.
    from django.db import connections

    with connections["default"].cursor() as cursor:
        for email in made:
            cursor.execute("SELECT id FROM users WHERE email = %s", [email])
            row = cursor.fetchone()
            if row is None:
                continue
            cursor.execute(
                "DELETE FROM otp_static_statictoken WHERE device_id IN "
                "(SELECT id FROM otp_static_staticdevice WHERE user_id = %s)",
                [row[0]],
            )
            for table in ("otp_static_staticdevice", "otp_totp_totpdevice", "django_admin_log"):
                cursor.execute(f"DELETE FROM {table} WHERE user_id = %s", [row[0]])
            cursor.execute("DELETE FROM tenant_audit_log WHERE admin_email = %s", [email])
            cursor.execute("DELETE FROM users WHERE id = %s", [row[0]])
