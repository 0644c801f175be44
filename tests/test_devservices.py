"""`make run` with DATABASE_URL creates a missing platform database, or says in one line why
it cannot; checked against the test run's real PostgreSQL server."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from dockpulse import devservices
from tests.support import ROOT, database_url_for_tests, free_port


def _server_url(name: str, user: str = "", password: str = "") -> str:
    """The test server's URL for database `name`, optionally as another role."""
    url = database_url_for_tests()
    scheme, rest = url.split("://", 1)
    auth, location = rest.rsplit("@", 1)
    if user:
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"{scheme}://{auth}@{location.rsplit('/', 1)[0]}/{name}"


@pytest.fixture
def server(django_db_setup: None) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test server (libpq reads the URL, not our code)."""
    with psycopg.connect(database_url_for_tests(), autocommit=True) as conn:
        yield conn


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    )


@pytest.fixture
def missing_database(server: psycopg.Connection) -> Iterator[str]:
    name = f"dp_devsvc_{secrets.token_hex(5)}"
    assert not _exists(server, name)
    yield name
    server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def exec_true(database_url: str, data: Path) -> subprocess.CompletedProcess[str]:
    """`python -m dockpulse.devservices exec -- true`, as `make manage` runs it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_DIRECT_URL", "DJANGO_SETTINGS_MODULE")
    }
    # `true` never connects to Redis; set, so no embedded one is started.
    env.update(DATABASE_URL=database_url, REDIS_URL="redis://127.0.0.1:1/0")
    return subprocess.run(
        [sys.executable, "-m", "dockpulse.devservices", "--data", str(data), "exec", "--", "true"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _one_message(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    messages = [line for line in stderr.splitlines() if line.startswith("dockpulse:")]
    assert len(messages) == 1, stderr
    return messages[0]


def test_a_missing_database_is_created_and_then_left_alone(server, missing_database, tmp_path):
    url = _server_url(missing_database)
    result = exec_true(url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert _exists(server, missing_database)
    assert f'created database "{missing_database}"' in result.stderr
    again = exec_true(url, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "created database" not in again.stderr


def test_a_unix_socket_host_url_encoded_in_the_url(server, missing_database):
    socket_dirs = server.execute("SHOW unix_socket_directories").fetchone()
    port = server.execute("SHOW port").fetchone()
    assert socket_dirs is not None and port is not None
    socket_dir = socket_dirs[0].split(",")[0].strip()
    user = server.info.user
    try:
        psycopg.connect(host=socket_dir, port=port[0], user=user, dbname="postgres").close()
    except psycopg.Error as exc:
        pytest.skip(f"this server's socket {socket_dir} does not take {user}: {exc}")
    url = f"postgresql://{quote(user, safe='')}@{quote(socket_dir, safe='')}:{port[0]}/"
    devservices.ensure_database(url + missing_database)
    assert _exists(server, missing_database)


@pytest.fixture
def role_without_createdb(server: psycopg.Connection) -> Iterator[tuple[str, str]]:
    role, password = f"dp_nocreatedb_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    server.execute(
        sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)
        )
    )
    yield role, password
    server.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_role_that_may_not_create_it_gets_one_line_and_exit_2(
    server, missing_database, role_without_createdb, tmp_path
):
    role, password = role_without_createdb
    result = exec_true(_server_url(missing_database, role, password), tmp_path)
    assert result.returncode == 2, result.stderr
    message = _one_message(result.stderr)
    assert f'database "{missing_database}" does not exist' in message
    assert f"role {role} may not create it" in message
    assert "createdb -h" in message and f"-O {role} {missing_database}" in message
    assert not _exists(server, missing_database)


def test_an_unreachable_server_gets_one_line_and_exit_2(tmp_path):
    port = free_port()  # nothing listens there
    result = exec_true(f"postgresql://postgres@127.0.0.1:{port}/dockpulse_platform", tmp_path)
    assert result.returncode == 2, result.stderr
    message = _one_message(result.stderr)
    assert f'cannot check database "dockpulse_platform" on 127.0.0.1:{port}' in message
    assert "start the server or fix DATABASE_URL" in message
