"""Test databases: the platform test database (pytest-django), the template and two
tenants, `tenant-a` and `tenant-b`, built once per run (docs/testing.md).

Tenant test databases get their own prefix (`test_dpt_<worker>_`), so they never touch
`make run`'s. Ordinary tests use `pytest.mark.django_db(databases="__all__")`: the tenant
aliases are registered before any test starts, so their writes roll back with the test.
Tests that must commit (provisioning, NOTIFY, other processes) use the `committed`
fixture and a `fresh_tenant` of their own instead of flushing the shared databases.

Helpers the test modules share are in tests/support.py, factories in tests/factories/;
docs/testing.md describes the layout.
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import factory.random
import pytest

# Faker's values (names, streets) differ between runs unless seeded: a failure must replay.
factory.random.reseed_random("dockpulse-tests")

# Parallel runs (pytest-xdist, `-n 2` in make test): each worker gets its own Redis
# database, so one worker's broker purge, lockout counts and tenant registry (keyed by
# slug: both workers have a tenant-a) never reach the other's. Its PostgreSQL databases
# get the worker's suffix (pytest-django's, and TENANT_DB_PREFIX below).
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    _redis = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    _offset = 1 + int(_XDIST_WORKER.removeprefix("gw"))
    if _redis.scheme == "unix":  # the embedded Redis: unix:///path/redis.socket?db=0
        _query = dict(parse_qsl(_redis.query))
        _query["db"] = str((int(_query.get("db", 0)) + _offset) % 16)
        # Not urlunsplit: with no host it writes "unix:/path", which redis-py refuses.
        os.environ["REDIS_URL"] = f"unix://{_redis.path}?{urlencode(_query)}"
    else:
        _db = (int(_redis.path.strip("/") or 0) + _offset) % 16
        os.environ["REDIS_URL"] = urlunsplit(_redis._replace(path=f"/{_db}"))
    os.environ.pop("CELERY_BROKER_URL", None)

# Files and backups of the test run go to a folder of its own, also for the processes it
# starts; set before Django reads its settings.
TEST_FILES = Path(tempfile.mkdtemp(prefix="dockpulse-test-"))
os.environ["MEDIA_ROOT"] = str(TEST_FILES / "media")
os.environ["BACKUP_ROOT"] = str(TEST_FILES / "backups")

from django.conf import settings  # noqa: E402

if _XDIST_WORKER:
    # pytest-django has already read the settings: point this process at the worker's
    # Redis as well (the processes the tests start read the environment set above).
    settings.REDIS_URL = os.environ["REDIS_URL"]
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": settings.REDIS_URL},
    }
    settings.CELERY_BROKER_URL = settings.REDIS_URL.replace("unix://", "redis+socket://", 1)
from django.db import connections  # noqa: E402
from django.test import override_settings  # noqa: E402

from tests.support import (  # noqa: E402
    ROOT,
    TEST_PASSWORD,
    destroy_tenants,
    free_port,
    subprocess_env,
)

# The `bus` fixture (a real listener and Celery worker), for any test that needs one.
pytest_plugins = ["tests.bus_support"]


def _worker() -> str:
    """Names this run's tenant databases; two runs on one server need different
    DATABASE_URL names (which DOCKPULSE_TEST_TAG should follow) to stay apart."""
    tag = os.environ.get("DOCKPULSE_TEST_TAG", "")
    return tag + os.environ.get("PYTEST_XDIST_WORKER", "main")


def _drop_test_tenant_databases() -> None:
    from dockpulse.tenancy import dbadmin

    with dbadmin.admin_connection() as conn:
        for name in dbadmin.list_databases(conn, settings.TENANT_DB_PREFIX):
            dbadmin.drop_database(conn, name)


def _reset_registry() -> None:
    from django_redis import get_redis_connection

    from dockpulse.tenancy.registry import _key, registry

    get_redis_connection("default").delete(_key())
    registry.clear_local()


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_modify_db_settings: None,  # the xdist worker's suffix on the test database
    django_db_blocker: object,
) -> Iterator[None]:
    """Replaces pytest-django's: the platform test database is needed by every test of
    this suite (even those that only commit), and nothing is serialized (no test flushes)."""
    from django.test.utils import setup_databases, teardown_databases

    from dockpulse.tenancy.connections import alias_for, pin
    from dockpulse.tenancy.registry import registry
    from platform_app.services import template_migrate, tenant_create

    settings.TENANT_DB_PREFIX = f"test_dpt_{_worker()}_"
    # Settings may have been read before this file set MEDIA_ROOT/BACKUP_ROOT (for the
    # processes the tests start); make this process agree, resetting cached storages.
    storages = {**settings.STORAGES}
    storages["backups"] = {**storages["backups"], "OPTIONS": {"location": TEST_FILES / "backups"}}
    files = override_settings(
        MEDIA_ROOT=str(TEST_FILES / "media"), BACKUP_ROOT=TEST_FILES / "backups", STORAGES=storages
    )
    files.enable()
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        db_config = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases={"default"},  # type: ignore[arg-type]  # any collection of aliases works
            serialized_aliases=set(),
        )
        _drop_test_tenant_databases()
        _reset_registry()
        template_migrate()
        for slug in ("tenant-a", "tenant-b"):
            tenant_create(
                slug=slug,
                name=f"Company {slug[-1].upper()}",
                template="trade",
                plan_code="business",
                admin_email=f"admin@{slug}.example.com",
                admin_password=TEST_PASSWORD,
                language="en",
            )
            info = registry.get(slug)
            assert info is not None
            alias_for(info)  # registered now, so databases="__all__" includes it
            pin(info.alias)  # and never evicted by a test that caps connections
    yield
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        for alias in list(connections):
            if alias != "default":
                connections[alias].close()
        _drop_test_tenant_databases()
        _reset_registry()
        teardown_databases(db_config, verbosity=request.config.option.verbose)
    files.disable()
    shutil.rmtree(TEST_FILES, ignore_errors=True)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's default language: a request in Polish (the test
    client runs in this thread) leaves Polish active, and the next test's messages would
    depend on the order the tests ran in."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_lockouts_left_behind() -> Iterator[None]:
    """Lockout counters live in Redis, outside the test's transaction: a test's wrong
    passwords must not lock the shared tenants' admins for the tests after it."""
    yield
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    keys = list(redis.scan_iter(match=f"{settings.LOCKOUT_KEY_PREFIX}:*", count=1000))
    if keys:
        redis.delete(*keys)


@pytest.fixture
def tenant_a(django_db_setup: None) -> object:
    from dockpulse.tenancy.registry import registry

    return registry.get("tenant-a")


@pytest.fixture
def tenant_b(django_db_setup: None) -> object:
    from dockpulse.tenancy.registry import registry

    return registry.get("tenant-b")


@pytest.fixture
def committed(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """Database access without a wrapping transaction: what the test writes is committed.

    Only for tests that create their own tenants (and clean them up): the shared
    tenants and the platform seed must stay as they are.
    """
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield


@pytest.fixture
def make_tenant(committed: None) -> Iterator[Callable[..., object]]:
    """Provision committed tenants for one test; all are destroyed afterwards."""
    from dockpulse.tenancy.registry import registry
    from platform_app.services import tenant_create

    created: list[str] = []

    def make(slug: str | None = None, **kwargs: object) -> object:
        slug = slug or f"t-{uuid.uuid4().hex[:10]}"
        created.append(slug)
        options: dict[str, object] = {
            "name": f"Fresh {slug}",
            "template": "trade",
            "admin_email": "owner@example.com",
            "admin_password": TEST_PASSWORD,
            "language": "en",
        }
        options.update(kwargs)
        tenant_create(slug=slug, **options)  # type: ignore[arg-type]
        return registry.get(slug)

    yield make
    destroy_tenants(created)


@pytest.fixture
def fresh_tenant(make_tenant: Callable[..., object]) -> object:
    return make_tenant()


@dataclass
class HttpServer:
    port: int

    def get(self, host: str, path: str = "/") -> tuple[int, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Host": f"{host}:{self.port}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


@pytest.fixture(scope="session")
def http_server(django_db_setup: None) -> Iterator[HttpServer]:
    """The product under gunicorn in its own process, on this run's test databases."""
    yield from _serve()


@pytest.fixture(scope="session")
def second_http_server(django_db_setup: None) -> Iterator[HttpServer]:
    """Another server process, for what one process changes and another must see."""
    yield from _serve()


def _serve() -> Iterator[HttpServer]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "dockpulse.wsgi", "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        ],
        env=subprocess_env(),
        cwd=ROOT,
    )  # fmt: skip
    server = HttpServer(port)
    deadline = time.monotonic() + 30
    while True:
        try:
            if server.get("app.localhost", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.1)
    yield server
    process.terminate()
    process.wait(timeout=10)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis 4.32 on pytest 9 gives every operation's item of a fuzz test one node
    id (`test_api_fuzz.py::test_staff_api`, without the operation). pytest-xdist schedules
    items by node id, so all but one of them would silently not run: give each its name."""
    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and not item.nodeid.endswith("]"):
            item._id = item.parent.id.child(item.name)  # type: ignore[union-attr]
    counts = collections.Counter(item.nodeid for item in items)
    twice = sorted(nodeid for nodeid, count in counts.items() if count > 1)
    if twice:  # any plugin doing the same again would lose tests without a word
        raise pytest.UsageError(f"tests collected twice under one node id: {twice[:5]}")
