#!/usr/bin/env python
"""Where a tenant request's time goes, in-process (no gunicorn, no wrk): a diagnostic.

    .venv/bin/python bench/request_cost.py [--requests 3000]

Calls Django's WSGI handler directly (request_started / request_finished fire as under
gunicorn) on one thread, with bench.settings, and reports microseconds per request for:
a view with no query (`/bench/state/`), the one-SELECT view for 1 tenant, for a hot set of
32 tenants, and for 1 tenant while the thread holds 32 tenant connections; plus one call
of the request start/end handler (the core's `close_old_connections`) with 1 and
with 32 held connections.

Each figure is measured as the product runs ("as is") and under two what-ifs applied only
inside this process (no file is changed): "walk touched" replaces the request-start/end
handler with one that checks only `default` and the aliases used since the previous call;
"no health checks" sets CONN_HEALTH_CHECKS=False (Django then skips the `SELECT 1` it runs
before the first query of every request on each connection). Medians of --rounds rounds.
Creates its own databases (dockpulse_bench_cost_*, bench_t_c*) and drops them at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    PYTHON,
    ROOT,
    create_database,
    delete_redis_keys,
    django_env,
    drop_databases,
    table,
)

HOT = 32
VARIANTS = {
    "as is": {},
    "walk touched": {"walk": True},
    "no health checks": {"hc_off": True},
    "both": {"walk": True, "hc_off": True},
}


def _setup(count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from dockpulse.tenancy import platform_context
    from platform_app import services

    with platform_context():
        call_command("migrate", database="default", verbosity=0, stdout=io.StringIO())
        services.template_migrate()
        for n in range(1, count + 1):
            services.tenant_create(
                slug=f"t{n:04d}",
                name=f"Cost {n}",
                template="trade",
                admin_email="admin@example.com",
                admin_password="Bench-Horse-4242",  # noqa: S106
            )
    for alias in list(connections):
        connections[alias].close()


def _install_walk_touched():
    """What-if: check only the aliases used since the previous request start/end."""
    import threading

    from django.core.signals import request_finished, request_started

    import dockpulse.tenancy.router as router_module
    import dockpulse.tenancy.transaction as transaction_module
    from dockpulse.tenancy import connections as tenant_connections

    used = threading.local()
    real_alias_for = tenant_connections.alias_for

    def alias_for(tenant):
        alias = real_alias_for(tenant)
        touched = getattr(used, "aliases", None)
        if touched is None:
            touched = used.aliases = set()
        touched.add(alias)
        return alias

    def close_touched(**kwargs):
        for alias in ("default", *getattr(used, "aliases", ())):
            conn = tenant_connections.initialized_connection(alias)
            if conn is None or conn.in_atomic_block:
                continue
            conn.close_if_unusable_or_obsolete()
        used.aliases = set()

    router_module.alias_for = alias_for
    transaction_module.alias_for = alias_for
    request_started.disconnect(dispatch_uid="dp_close1")
    request_finished.disconnect(dispatch_uid="dp_close2")
    request_started.connect(close_touched, dispatch_uid="bench_close1")
    request_finished.connect(close_touched, dispatch_uid="bench_close2")
    return close_touched


def _measure(
    requests: int, rounds: int, walk: bool = False, hc_off: bool = False
) -> dict[str, float]:
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    from dockpulse.tenancy import connections as tenant_connections

    if hc_off:
        connections.settings["default"]["CONN_HEALTH_CHECKS"] = False
    close_handler = _install_walk_touched() if walk else tenant_connections.close_old_connections
    handler = WSGIHandler()

    def request(host: str, path: str) -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": host,
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
        }
        status: list[str] = []
        response = handler(environ, lambda s, headers: status.append(s))
        b"".join(response)
        response.close()  # request_finished
        if not status[0].startswith("200"):
            raise RuntimeError(f"{host}{path}: {status[0]}")

    def per_request(hosts: list[str], path: str = "/bench/one-select/") -> float:
        for i in range(max(300, len(hosts) * 3)):
            request(hosts[i % len(hosts)], path)
        started = time.perf_counter()
        for i in range(requests):
            request(hosts[i % len(hosts)], path)
        return (time.perf_counter() - started) / requests * 1e6

    def walk_cost() -> float:
        started = time.perf_counter()
        for _ in range(10000):
            close_handler()
        return (time.perf_counter() - started) / 10000 * 1e6

    one = ["t0001.localhost"]
    hot = [f"t{n:04d}.localhost" for n in range(1, HOT + 1)]
    samples: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        samples.setdefault(key, []).append(value)

    for _ in range(rounds):
        for alias in tenant_connections.thread_aliases():
            tenant_connections.forget(alias)
        add("no-query view, 1 tenant", per_request(one, "/bench/state/"))
        add("one SELECT, 1 tenant", per_request(one))
        add("request start/end handler, 1 held", walk_cost())
        add(f"one SELECT, hot set of {HOT}", per_request(hot))
        add(f"one SELECT, 1 tenant, {HOT} held", per_request(one))
        add(f"request start/end handler, {HOT} held", walk_cost())
    return {key: statistics.median(values) for key, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup:
        _setup(args.setup)
        return 0
    if args.variant:
        result = _measure(args.requests, args.rounds, **VARIANTS[args.variant])
        args.out.write_text(json.dumps(result))
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run = f"{os.getpid()}"
    platform_db = f"dockpulse_bench_cost_{run}"
    prefix = f"bench_t_c{run}_"
    env = django_env(platform_db, prefix, TENANT_CONNECTIONS_PER_PROCESS=str(HOT))
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="dockpulse_bench_cost_") as tmp:
        try:
            create_database(platform_db)
            print(f"setup: {HOT + 1} tenants (MD5 hasher for setup speed only)", flush=True)
            subprocess.run(
                [PYTHON, __file__, "--setup", str(HOT + 1)],
                env={**env, "BENCH_FAST_HASHER": "1"},
                cwd=ROOT,
                check=True,
                timeout=600,
            )
            for name in VARIANTS:
                print(f"measuring: {name}", flush=True)
                out = Path(tmp) / "out.json"
                subprocess.run(
                    [PYTHON, __file__, "--variant", name, "--requests", str(args.requests),
                     "--rounds", str(args.rounds), "--out", str(out)],
                    env=env, cwd=ROOT, check=True, timeout=600,
                )  # fmt: skip
                results[name] = json.loads(out.read_text())
        finally:
            dropped = drop_databases([platform_db, prefix])
            delete_redis_keys([f"dockpulse:{platform_db}:*"])
            print(f"cleanup: dropped {len(dropped)} database(s)", flush=True)
    keys = list(results["as is"])
    print()
    print(
        f"Microseconds per request (or per call), one thread, in-process, medians of "
        f"{args.rounds} rounds of {args.requests} requests; TENANT_CONNECTIONS_PER_PROCESS={HOT}."
    )
    print(
        table(
            ["measurement", *VARIANTS],
            [[key, *(f"{results[v][key]:.0f}" for v in VARIANTS)] for key in keys],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
