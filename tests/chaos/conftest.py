"""Fixtures of the chaos tests: the private servers (once per run) and the product's
processes on them (per test); tests/chaos/stack.py has the pieces."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connections

from dockpulse.tenancy import dbadmin
from tests.chaos.stack import TENANTS, Postgres, Redis, Servers, Stack, copy_database


@pytest.fixture(scope="package")
def servers(django_db_setup: None) -> Iterator[Servers]:
    """PostgreSQL and Redis of the chaos tests' own, with this run's schema and tenants."""
    # Short: PostgreSQL's and Redis's paths stay far from the 107-byte socket limit.
    root = Path(tempfile.mkdtemp(prefix="dpc-", dir="/tmp"))
    root.chmod(0o755)
    postgres = Postgres(root)
    redis = Redis(root)
    try:
        started = time.monotonic()
        postgres.init()
        redis.start()
        platform_db = connections.settings["default"]["NAME"]
        tenant_dbs = {slug: dbadmin.tenant_db_name(slug) for slug in TENANTS}
        for name in (platform_db, *tenant_dbs.values()):
            copy_database(name, postgres, root)
        with postgres.connect(platform_db) as conn:
            # Only the shared tenants have databases here; other tests' committed tenants
            # (if any were alive at the dump) must not be woken or swept.
            conn.execute("UPDATE tenants SET status = 'deleted' WHERE slug <> ALL(%s)",
                         [list(TENANTS)])  # fmt: skip
        print(f"chaos servers ready in {time.monotonic() - started:.1f} s")
        yield Servers(root, postgres, redis, platform_db, tenant_dbs)
    finally:
        # Each stop on its own: one that raises must not leave the other server running
        # (as nobody, after its folder is gone).
        try:
            redis.stop()
        finally:
            try:
                postgres.stop_hard()
            finally:
                shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def make_stack(servers: Servers, tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """`make_stack(**env)`: the processes, started with extra settings; stopped after."""
    started: list[Stack] = []

    def make(*, process_env: dict[str, dict[str, str]] | None = None, **env: str) -> Stack:
        # A test that failed half-way may have left a server stopped.
        if not servers.postgres.is_up():
            servers.postgres.start()
        if not servers.redis.is_up():
            servers.redis.start()
        stack = Stack(servers, tmp_path, env, process_env or {})
        started.append(stack)
        stack.start()
        return stack

    yield make
    for stack in started:
        stack.stop()
