"""The alias registry and the bounded set of open tenant connections.

A tenant's alias (`tenant_<slug>`) is a copy of the normalised `default` entry of
`connections.settings` with NAME (and HOST/PORT) changed; Django fills an entry's defaults
only at start-up, so a bare dict would fail. Aliases are added lazily on first use.

A PostgreSQL connection serves one database, so a process keeping one per tenant would
hold processes x tenants connections. Each thread therefore keeps at most
TENANT_CONNECTIONS_PER_PROCESS tenant connections open (its LRU): the least recently used
is closed when another is opened, never inside an atomic block, and its alias leaves
`connections.settings` once no thread holds it, so Django's own walks over all aliases
stay bounded too.

A tenant whose generation moved (restore, move) is re-registered with its new settings;
each thread closes its stale connection the next time it uses the alias.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any, cast

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from .info import TenantInfo

_Key = tuple[int, str, str, int | None]

_lock = threading.RLock()
_registered: dict[str, _Key] = {}
_holders: dict[str, set[int]] = {}
_local = threading.local()
_pinned: set[str] = set()


def _thread_lru() -> OrderedDict[str, _Key]:
    lru: OrderedDict[str, _Key] | None = getattr(_local, "lru", None)
    if lru is None:
        lru = _local.lru = OrderedDict()
    return lru


def _key(tenant: TenantInfo) -> _Key:
    return (tenant.generation, tenant.db_name, tenant.db_host, tenant.db_port)


def build_settings(tenant: TenantInfo) -> dict[str, Any]:
    """The `default` entry (already normalised by Django) pointed at the tenant database."""
    entry = copy.deepcopy(connections.settings["default"])
    entry["NAME"] = tenant.db_name
    if tenant.db_host:
        entry["HOST"] = tenant.db_host
    if tenant.db_port:
        entry["PORT"] = str(tenant.db_port)
    # Tenant databases are never created by Django's test runner; the test suite clones
    # them from the template itself (see tests/conftest.py).
    entry["TEST"] = {**entry.get("TEST", {}), "NAME": tenant.db_name, "MIRROR": None}
    return entry


def initialized_connection(alias: str) -> BaseDatabaseWrapper | None:
    """This thread's connection object for `alias`, without creating one."""
    # ConnectionHandler keeps each thread's connection objects in `_connections`;
    # connections[alias] would create one as a side effect.
    local = cast(Any, connections)._connections
    conn: BaseDatabaseWrapper | None = getattr(local, alias, None)
    return conn


def alias_for(tenant: TenantInfo) -> str:
    """Register the tenant's alias if needed and mark it used by this thread.

    Runs on every routed query, so the common path is a few dictionary lookups.
    """
    alias = tenant.alias
    key = _key(tenant)
    lru = _thread_lru()
    held = lru.get(alias)
    if held is None:
        # New to this thread: register and become a holder in one locked step, so another
        # thread's eviction cannot remove the settings in between.
        with _lock:
            _register(alias, key, tenant)
            _holders.setdefault(alias, set()).add(threading.get_ident())
        lru[alias] = key
        _thread_touched().add(alias)
        _close_if_elsewhere(alias, tenant)
        if len(lru) > settings.TENANT_CONNECTIONS_PER_PROCESS:
            _evict(lru, keep=alias)
        return alias
    if held != key or _registered.get(alias) != key:
        # The tenant moved (restore, move), or a thread with an older snapshot registered
        # the old settings meanwhile: point the alias at the current database again.
        with _lock:
            _register(alias, key, tenant)
        if _close_if_elsewhere(alias, tenant):
            lru[alias] = key
    lru.move_to_end(alias)
    _thread_touched().add(alias)
    return alias


def _register(alias: str, key: _Key, tenant: TenantInfo) -> None:
    if _registered.get(alias) != key or alias not in connections.settings:
        connections.settings[alias] = build_settings(tenant)
        _registered[alias] = key


def _close_if_elsewhere(alias: str, tenant: TenantInfo) -> bool:
    """Close this thread's connection if it points at another database than the tenant's.

    False if it must stay open for now (inside a transaction, which finishes where it
    started).
    """
    conn = initialized_connection(alias)
    if conn is None:
        return True
    wanted = build_settings(tenant) if tenant.db_host or tenant.db_port else None
    current = conn.settings_dict
    same = current["NAME"] == tenant.db_name and (
        wanted is None or (current["HOST"], current["PORT"]) == (wanted["HOST"], wanted["PORT"])
    )
    if same:
        return True
    if conn.in_atomic_block:
        return False
    conn.close()
    del connections[alias]
    return True


def _thread_touched() -> set[str]:
    touched: set[str] | None = getattr(_local, "touched", None)
    if touched is None:
        touched = _local.touched = set()
    return touched


def pin(alias: str) -> None:
    """Never evict `alias` (the test suite's shared tenants, whose writes must roll back)."""
    _pinned.add(alias)


def _evict(lru: OrderedDict[str, _Key], keep: str) -> None:
    limit = settings.TENANT_CONNECTIONS_PER_PROCESS
    for alias in list(lru):
        if len(lru) <= limit:
            return
        if alias == keep or alias in _pinned:
            continue
        conn = initialized_connection(alias)
        if conn is not None and conn.in_atomic_block:
            continue
        _drop_from_thread(alias, lru)


def _drop_from_thread(alias: str, lru: OrderedDict[str, _Key]) -> None:
    conn = initialized_connection(alias)
    if conn is not None:
        conn.close()
        del connections[alias]
    lru.pop(alias, None)
    with _lock:
        holders = _holders.get(alias)
        if holders is not None:
            holders.discard(threading.get_ident())
            # A thread that ended while holding the alias will never release it.
            holders &= {thread.ident for thread in threading.enumerate()}
            if not holders:
                del _holders[alias]
                connections.settings.pop(alias, None)
                _registered.pop(alias, None)


def forget(alias: str) -> None:
    """Close this thread's connection to `alias` and unregister it if nobody holds it.

    Used before a tenant database is dropped or replaced; other processes learn of it
    through the tenant's generation.
    """
    _drop_from_thread(alias, _thread_lru())
    with _lock:
        if alias not in _holders:
            connections.settings.pop(alias, None)
            _registered.pop(alias, None)


def thread_aliases() -> list[str]:
    """The tenant aliases this thread has used (most recent last)."""
    return list(_thread_lru())


def open_tenant_connections() -> list[str]:
    """Aliases of this thread's tenant connections that hold a live database connection."""
    result = []
    for alias in _thread_lru():
        conn = initialized_connection(alias)
        if conn is not None and conn.connection is not None:
            result.append(alias)
    return result


def close_old_connections(**kwargs: Any) -> None:
    """Replaces Django's handler of the same name on request start and end.

    Django's walks every alias in `connections.settings` (98 us at 51 aliases); this
    touches only `default` and the tenant aliases this thread used since the last call
    (not all it keeps open: 61 us at 32). Connections inside an atomic block are left
    alone (the test client runs requests inside test transactions).
    """
    touched = _thread_touched()
    for alias in ("default", *touched):
        conn = initialized_connection(alias)
        if conn is None or conn.in_atomic_block:
            continue
        conn.close_if_unusable_or_obsolete()
    touched.clear()


def reset_queries(**kwargs: Any) -> None:
    if not settings.DEBUG:
        return
    for alias in ("default", *_thread_lru()):
        conn = initialized_connection(alias)
        if conn is not None:
            conn.queries_log.clear()
