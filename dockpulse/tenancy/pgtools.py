"""PostgreSQL's client programs (pg_dump, pg_restore) for a tenant's server.

They must match the server's major version (the embedded server is PostgreSQL 16, Debian's
is 15): they are looked up per server, never taken blindly from PATH.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
from pathlib import Path

from django.conf import settings

from . import dbadmin
from .exceptions import TenancyError
from .info import TenantInfo


class PgToolError(TenancyError):
    """A client program is missing or failed; the message says which and why."""


def server_major(info: TenantInfo) -> int:
    """The major version of the PostgreSQL server holding the tenant's database."""
    with dbadmin.admin_connection(info.db_host, info.db_port) as conn:
        return int(conn.info.server_version) // 10000


def _tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # "pg_dump (PostgreSQL) 16.2"
    version = out.strip().rsplit(" ", 1)[-1]
    return int(version.split(".")[0]) if version[:1].isdigit() else None


def _tool_dirs(major: int) -> list[Path]:
    dirs = []
    if settings.PG_BIN_DIR:
        dirs.append(Path(settings.PG_BIN_DIR))
    # The embedded server's package bundles PostgreSQL 16's client tools; found without
    # importing it (its import is slow and noisy).
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent / "pginstall" / "bin")
    dirs.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    dirs.extend(Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p)
    return dirs


@functools.cache
def pg_tool(name: str, major: int) -> str:
    """The path of `name` (pg_dump, pg_restore) for a PostgreSQL `major` server."""
    newer: list[tuple[int, Path]] = []
    for directory in _tool_dirs(major):
        path = directory / name
        if not os.access(path, os.X_OK):
            continue
        found = _tool_major(path)
        if found == major:
            return str(path)
        if found is not None and found > major:
            newer.append((found, path))
    if newer:  # a newer client reads older servers; the closest one is the safest
        return str(min(newer)[1])
    raise PgToolError(
        f"no {name} for PostgreSQL {major}: install postgresql-client-{major} "
        "or set PG_BIN_DIR to the folder that has it"
    )


def client_env_and_args(info: TenantInfo) -> tuple[dict[str, str], list[str]]:
    """The environment and the connection options a client program needs for the tenant's
    server (the password goes in the environment, never on a command line others can see)."""
    params = dbadmin.connection_params(info.db_host, info.db_port)
    env = dict(os.environ)
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    args = []
    if params.get("host"):
        args += ["-h", str(params["host"])]
    if params.get("port"):
        args += ["-p", str(params["port"])]
    if params.get("user"):
        args += ["-U", str(params["user"])]
    return env, args


def run(cmd: list[str], env: dict[str, str]) -> None:
    """Run a client program; a PgToolError carries the last line of its complaint."""
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise PgToolError(f"{Path(cmd[0]).name}: {last}")
