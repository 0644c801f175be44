"""Server-level database operations: create, clone, drop, lock.

These cannot run in a transaction, nor through PgBouncer in transaction mode, so they use
their own direct autocommit connection (DATABASE_DIRECT_URL when set) to the platform
database of the tenant's server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import environ
import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql

# pg_advisory_lock key serialising template migrations and clones (any fixed int64).
TEMPLATE_LOCK_KEY = 0x0D0C_7075_6C5E


def template_db_name() -> str:
    return f"{settings.TENANT_DB_PREFIX}template"


def tenant_db_name(slug: str) -> str:
    return f"{settings.TENANT_DB_PREFIX}{slug}"


def connection_params(host: str = "", port: int | None = None) -> dict[str, Any]:
    """psycopg keyword arguments for the platform database on the given server."""
    if settings.DATABASE_DIRECT_URL:
        entry = environ.Env.db_url_config(settings.DATABASE_DIRECT_URL)
        entry["HOST"] = unquote(entry.get("HOST") or "")
    else:
        entry = connections.settings["default"]
    params: dict[str, Any] = {
        "dbname": connections.settings["default"]["NAME"],
        "user": entry.get("USER") or None,
        "password": entry.get("PASSWORD") or None,
        "host": host or entry.get("HOST") or None,
        "port": port or entry.get("PORT") or None,
    }
    return {key: value for key, value in params.items() if value is not None}


@contextlib.contextmanager
def admin_connection(host: str = "", port: int | None = None) -> Iterator[psycopg.Connection]:
    conn = psycopg.connect(**connection_params(host, port), autocommit=True)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def template_lock(conn: psycopg.Connection) -> Iterator[None]:
    """Serialise clones and template migrations (a clone fails while anyone is connected)."""
    conn.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK_KEY])
    try:
        yield
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK_KEY])


def database_exists(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def create_database(conn: psycopg.Connection, name: str, template: str | None = None) -> None:
    if len(name.encode()) > 63:
        raise ValueError(f"database name {name!r} is longer than PostgreSQL's 63 bytes")
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
    conn.execute(query)


def drop_database(conn: psycopg.Connection, name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def set_allow_connections(conn: psycopg.Connection, name: str, allow: bool) -> None:
    conn.execute(
        sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
            sql.Identifier(name), sql.Literal(allow)
        )
    )


def terminate_connections(conn: psycopg.Connection, name: str) -> None:
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        [name],
    )


def list_databases(conn: psycopg.Connection, prefix: str) -> list[str]:
    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY datname",
        [prefix],
    ).fetchall()
    return [row[0] for row in rows]
