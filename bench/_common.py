"""Helpers shared by the benchmarks: server access, environments, cleanup, tables."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PYTHON = os.environ.get("BENCH_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
# The server to benchmark on (no database name): trust auth on loopback by default.
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105


def db_url(name: str, server_url: str = SERVER_URL) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def admin_connect(server_url: str = SERVER_URL) -> psycopg.Connection:
    """An autocommit connection to the server's `postgres` database."""
    return psycopg.connect(db_url("postgres", server_url), autocommit=True)


def create_database(name: str) -> None:
    with admin_connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_databases(prefixes: Iterable[str]) -> list[str]:
    """Drop every database whose name starts with one of `prefixes` (WITH FORCE)."""
    dropped = []
    with admin_connect() as conn:
        for prefix in prefixes:
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]
            ).fetchall()
            for (name,) in rows:
                # A template-flagged or connection-less database can still be dropped.
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
                dropped.append(name)
    return dropped


def backends(prefixes: Sequence[str]) -> int:
    """pg_stat_activity rows (client backends) connected to the bench databases.

    -1 if the server refused the connection (e.g. its max_connections is exhausted).
    """
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        "AND datname IS NOT NULL AND ("
        + " OR ".join(["starts_with(datname, %s)"] * len(prefixes))
        + ")"
    )
    for attempt in range(5):
        try:
            with admin_connect() as conn:
                row = conn.execute(query, list(prefixes)).fetchone()
            return int(row[0]) if row else 0
        except psycopg.OperationalError:
            time.sleep(0.2 * (attempt + 1))
    return -1


def server_facts() -> dict[str, str]:
    with admin_connect() as conn:
        version = conn.execute("SHOW server_version").fetchone()
        max_conn = conn.execute("SHOW max_connections").fetchone()
    return {
        "nproc": str(os.cpu_count()),
        "postgresql": version[0] if version else "?",
        "max_connections": max_conn[0] if max_conn else "?",
    }


def delete_redis_keys(patterns: Iterable[str], url: str = REDIS_URL) -> int:
    import redis

    client = redis.Redis.from_url(url)
    deleted = 0
    try:
        for pattern in patterns:
            for key in client.scan_iter(match=pattern):
                deleted += int(client.delete(key))
    finally:
        client.close()
    return deleted


def django_env(platform_db: str, tenant_prefix: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url(platform_db),
        REDIS_URL=REDIS_URL,
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_DEBUG="0",
        TENANT_DB_PREFIX=tenant_prefix,
        TENANT_CONNECTIONS_PER_PROCESS=env.get("TENANT_CONNECTIONS_PER_PROCESS", "32"),
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        # Plain HTTP on loopback: production's HTTPS redirect and HSTS off for the bench.
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
    )
    for key in ("DATABASE_PGBOUNCER", "DATABASE_DIRECT_URL", "BENCH_EXTRA_APP"):
        env.pop(key, None)
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def terminate(process: subprocess.Popen[bytes] | subprocess.Popen[str] | None) -> None:
    """Stop a process this benchmark started (SIGTERM, then SIGKILL after 10 s)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (readable on a terminal, pasteable into docs)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    out = [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(row) for row in cells[1:]]
    return "\n".join(out)
