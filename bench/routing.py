#!/usr/bin/env python
"""Routing benchmark: a one-SELECT tenant endpoint under gunicorn, driven by wrk.

    .venv/bin/python bench/routing.py [--tenants 500] [--hot 32] [--cap 32] [--duration 10s]

Needs `wrk` (and `pgbouncer` for the PgBouncer run; skipped with a note if missing):
    apt-get install -y wrk pgbouncer

gunicorn runs `dockpulse.wsgi` with DJANGO_SETTINGS_MODULE=bench.settings (the product's
settings plus `/bench/one-select/`, which runs `TenantModule.objects.count()` through the
router and the thread's bounded connection set), 2 sync workers. Runs:

  a   1 tenant provisioned, every request to it;
  a'  the same host once --tenants are provisioned (the count of tenants alone);
  b   --tenants provisioned, requests spread (random) over a hot set of --hot tenants,
      within the cap (TENANT_CONNECTIONS_PER_PROCESS = --cap);
  b8  the same with a hot set of --small-hot (8) tenants;
  c   requests spread uniformly over all --tenants, straight to PostgreSQL;
  c'  the same through PgBouncer (transaction mode, wildcard `*` database entry,
      DATABASE_PGBOUNCER=true, DATABASE_DIRECT_URL straight at PostgreSQL);
  b'  the hot set through PgBouncer (for comparison).

Each run starts a fresh gunicorn, warms up with the same load (every worker sees its hot
set; checked with `/bench/state/`), then measures `wrk -t2 -c16 -d10s` --repeat times (3;
the median is reported). After each measurement the PostgreSQL backends connected to the
bench databases are counted (pg_stat_activity); the table shows the largest count.

Tenants are provisioned with the production path (`tenant_create`) but with the MD5
password hasher (BENCH_FAST_HASHER=1), only to make setting up 500 tenants fast; the
request path never hashes a password. Every database, process and Redis key the run
created is removed at the end, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    PYTHON,
    ROOT,
    SERVER_URL,
    admin_connect,
    backends,
    create_database,
    db_url,
    delete_redis_keys,
    django_env,
    drop_databases,
    free_port,
    server_facts,
    table,
    terminate,
)

DJANGO_TENANTS_RPS = 1450.0  # django-tenants, 500 tenants, this machine (docs/performance.md)
WORKERS = 2
ADMIN_PASSWORD = "Bench-Horse-4242"  # noqa: S105 - bench tenants are dropped at the end


def slug(n: int) -> str:
    return f"t{n:04d}"


# --- setup (runs inside Django, in a child process) --------------------------------------


def setup(first: int, last: int, migrate_platform: bool) -> None:
    from io import StringIO

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from dockpulse.tenancy import platform_context
    from platform_app import services

    with platform_context():
        if migrate_platform:
            call_command("migrate", database="default", verbosity=0, stdout=StringIO())
            services.template_migrate()
        started = time.perf_counter()
        for n in range(first, last + 1):
            services.tenant_create(
                slug=slug(n),
                name=f"Bench {n}",
                template="trade",
                admin_email="admin@example.com",
                admin_password=ADMIN_PASSWORD,
            )
            if n % 100 == 0:
                print(f"  {n} tenants provisioned", flush=True)
        elapsed = time.perf_counter() - started
        print(
            f"  provisioned {last - first + 1} tenant(s) in {elapsed:.1f} s "
            f"({elapsed / (last - first + 1):.3f} s each, MD5 hasher for setup speed only)",
            flush=True,
        )
    for alias in list(connections):
        connections[alias].close()


# --- processes ---------------------------------------------------------------------------


@dataclass
class Bench:
    run: str
    tmp: Path
    platform_db: str
    tenant_prefix: str
    cap: int
    processes: list[subprocess.Popen] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return django_env(
            self.platform_db,
            self.tenant_prefix,
            TENANT_CONNECTIONS_PER_PROCESS=str(self.cap),
            SESSION_COOKIE_SECURE="0",
            **extra,
        )

    def provision(self, first: int, last: int, migrate_platform: bool) -> None:
        subprocess.run(
            [PYTHON, __file__, "--setup", f"{first}:{last}:{int(migrate_platform)}"],
            env=self.env(BENCH_FAST_HASHER="1"),
            cwd=ROOT,
            check=True,
            timeout=900,
        )
        # Each clone writes the template's pages to the WAL (~9 MB a tenant): flush that
        # now, or the checkpoints it triggers would run during the measurements.
        started = time.perf_counter()
        with admin_connect() as conn:
            conn.execute("CHECKPOINT")
        print(f"  CHECKPOINT after setup: {time.perf_counter() - started:.1f} s", flush=True)

    def start_gunicorn(self, pgbouncer_port: int | None = None) -> tuple[subprocess.Popen, int]:
        port = free_port()
        extra: dict[str, str] = {}
        if pgbouncer_port is not None:
            extra = {
                "DATABASE_URL": db_url(
                    self.platform_db, SERVER_URL.rsplit(":", 1)[0] + f":{pgbouncer_port}"
                ),
                "DATABASE_PGBOUNCER": "true",
                "DATABASE_DIRECT_URL": db_url(self.platform_db),
            }
        process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "dockpulse.wsgi",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            env=self.env(**extra),
            cwd=ROOT,
        )
        self.processes.append(process)
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(port, "app.localhost", "/healthz")[0] == 200:
                    return process, port
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.1)

    def start_pgbouncer(self) -> tuple[subprocess.Popen, int]:
        port = free_port()
        directory = self.tmp / "pgbouncer"
        directory.mkdir(exist_ok=True)
        host = SERVER_URL.rsplit("@", 1)[-1].split(":")[0]
        pg_port = SERVER_URL.rsplit(":", 1)[-1]
        (directory / "userlist.txt").write_text('"postgres" ""\n')
        (directory / "pgbouncer.ini").write_text(
            f"""[databases]
* = host={host} port={pg_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = transaction
max_client_conn = 2000
; Per (database, user) pool: one server connection is enough for 2 sync workers.
default_pool_size = 2
; The same server budget as the direct runs: workers x cap + platform.
max_user_connections = {WORKERS * self.cap + WORKERS}
server_idle_timeout = 5
server_lifetime = 3600
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
"""
        )
        command = ["pgbouncer", str(directory / "pgbouncer.ini")]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            shutil.chown(directory, "postgres")
            for child in directory.iterdir():
                shutil.chown(child, "postgres")
            command[1:1] = ["-u", "postgres"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        deadline = time.monotonic() + 10
        import psycopg

        while True:
            try:
                psycopg.connect(
                    db_url(self.platform_db, SERVER_URL.rsplit(":", 1)[0] + f":{port}"),
                    connect_timeout=2,
                ).close()
                return process, port
            except psycopg.OperationalError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("pgbouncer did not start") from None
                time.sleep(0.1)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            terminate(process)
        self.processes.clear()


def get(port: int, host: str, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def worker_states(port: int, host: str) -> dict[int, dict]:
    """`/bench/state/` of every worker (requests until both workers answered)."""
    states: dict[int, dict] = {}
    for _ in range(400):
        status, body = get(port, host, "/bench/state/")
        if status == 200:
            state = json.loads(body)
            states[state["pid"]] = state
        if len(states) >= WORKERS:
            break
    return states


# --- wrk ---------------------------------------------------------------------------------

_LUA = """
local hosts = {%s}
local n = #hosts
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
end

function request()
  return wrk.format("GET", "/bench/one-select/", {["Host"] = hosts[math.random(n)]})
end
"""


def wrk_script(directory: Path, name: str, hosts: list[str]) -> Path:
    path = directory / f"{name}.lua"
    path.write_text(_LUA % ", ".join(f'"{h}"' for h in hosts))
    return path


@dataclass
class WrkResult:
    rps: float
    latency_avg: str
    latency_p99: str
    requests: int
    errors: int  # non-2xx/3xx responses + socket errors


def run_wrk(port: int, script: Path, duration: str, threads: int, conns: int) -> WrkResult:
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{conns}",
            f"-d{duration}",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/bench/one-select/",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    avg = re.search(r"Latency\s+(\S+)", output)
    p99 = re.search(r"99%\s+(\S+)", output)
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sock:
        errors += sum(int(x) for x in sock.groups())
    return WrkResult(
        rps=rps,
        latency_avg=avg.group(1) if avg else "?",
        latency_p99=p99.group(1) if p99 else "?",
        requests=requests,
        errors=errors,
    )


@dataclass
class RunResult:
    name: str
    tenants: int
    spread: int
    via: str
    wrk: WrkResult
    backends: int
    states: dict[int, dict]
    all_rps: list[float] = field(default_factory=list)


def measure(
    bench: Bench,
    args: argparse.Namespace,
    name: str,
    tenants: int,
    hosts: list[str],
    via: str,
    pgbouncer_port: int | None = None,
    repeat: int | None = None,
) -> RunResult:
    print(f"run {name}: {len(hosts)} host(s) of {tenants} tenants, via {via} ...", flush=True)
    script = wrk_script(bench.tmp, name, hosts)
    process, port = bench.start_gunicorn(pgbouncer_port)
    try:
        status, body = get(port, hosts[0], "/bench/one-select/")
        if status != 200:
            raise RuntimeError(f"/bench/one-select/ on {hosts[0]}: {status} {body[:200]}")
        warm = run_wrk(port, script, args.warmup, args.threads, args.connections)
        states = worker_states(port, hosts[0])
        print(
            f"  warm-up: {warm.rps:.0f} req/s; workers: "
            + ", ".join(
                f"pid {pid}: {s['open_tenant_connections']} open tenant connections, "
                f"{s['aliases_in_settings']} aliases"
                for pid, s in sorted(states.items())
            ),
            flush=True,
        )
        repeats, counts = [], []
        for _ in range(args.repeat if repeat is None else repeat):
            result = run_wrk(port, script, args.duration, args.threads, args.connections)
            counts.append(backends([bench.platform_db, bench.tenant_prefix]))
            repeats.append(result)
            print(
                f"  {result.rps:.0f} req/s, latency avg {result.latency_avg} "
                f"p99 {result.latency_p99}, errors {result.errors}, "
                f"PostgreSQL backends {counts[-1]}",
                flush=True,
            )
        states = worker_states(port, hosts[0])
    finally:
        terminate(process)
        bench.processes.remove(process)
    return _combine(
        [RunResult(name, tenants, len(hosts), via, r, c, states, [r.rps]) for r, c in
         zip(repeats, counts, strict=True)]
    )  # fmt: skip


def _combine(parts: list[RunResult]) -> RunResult:
    """One result from several measurements of a run: the median one, all errors, the
    largest backend count."""
    ordered = sorted(parts, key=lambda r: r.wrk.rps)
    middle = ordered[len(ordered) // 2]
    wrk = dataclasses.replace(middle.wrk, errors=sum(p.wrk.errors for p in parts))
    return dataclasses.replace(
        middle,
        wrk=wrk,
        backends=max(p.backends for p in parts),
        all_rps=[rps for p in parts for rps in p.all_rps],
    )


def interleaved(bench: Bench, args: argparse.Namespace, runs: list[tuple]) -> list[RunResult]:
    """Measure several runs in turns (a fresh gunicorn each time), `--repeat` rounds, so a
    change in the machine's background load hits all of them alike."""
    parts: dict[str, list[RunResult]] = {}
    for round_ in range(args.repeat):
        for name, tenants, hosts, via in runs:
            print(f"[round {round_ + 1}/{args.repeat}]", end=" ")
            parts.setdefault(name, []).append(
                measure(bench, args, name, tenants, hosts, via, repeat=1)
            )
    return [_combine(parts[name]) for name, *_ in runs]


def report(
    results: list[RunResult],
    args: argparse.Namespace,
    facts: dict[str, str],
    notes: list[str],
    wall: float,
) -> str:
    budget = WORKERS * args.cap + WORKERS
    lines = [
        f"Routing benchmark - {facts['nproc']} CPUs, PostgreSQL {facts['postgresql']} "
        f"(max_connections {facts['max_connections']}), gunicorn {WORKERS} sync workers, "
        f"TENANT_CONNECTIONS_PER_PROCESS={args.cap}, wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration} x {args.repeat} (after a {args.warmup} warm-up), "
        "GET /bench/one-select/ "
        "(TenantModule.objects.count()).",
        "Tenants provisioned with tenant_create() and the MD5 hasher (setup speed only; "
        "no request hashes a password).",
        "",
    ]
    by_name = {r.name: r for r in results}
    one = by_name.get("a")
    rows = []
    for r in results:
        rel = f"{r.wrk.rps / one.wrk.rps:.0%}" if one else "-"
        rows.append(
            [
                r.name,
                str(r.tenants),
                str(r.spread),
                r.via,
                f"{r.wrk.rps:,.0f}",
                f"{min(r.all_rps):,.0f}-{max(r.all_rps):,.0f}",
                rel,
                r.wrk.latency_avg,
                r.wrk.latency_p99,
                str(r.wrk.errors),
                str(r.backends),
            ]
        )
    lines.append(
        table(
            [
                "run",
                "tenants",
                "hosts hit",
                "via",
                f"req/s (median of {args.repeat})",
                "range",
                "vs 1 tenant",
                "lat avg",
                "lat p99",
                "errors",
                "PG backends",
            ],
            rows,
        )
    )
    lines.append("")
    targets = []
    hot = by_name.get("b")
    if one and hot:
        ratio = hot.wrk.rps / one.wrk.rps
        targets.append(
            [
                "hot set >= 90% of 1-tenant throughput (b / a)",
                f"{ratio:.0%}",
                "yes" if ratio >= 0.9 else "NO",
            ]
        )
        same = by_name.get("a'")
        if same:
            ratio = hot.wrk.rps / same.wrk.rps
            targets.append(
                [
                    "  same, against 1 host measured in turns with b (b / a')",
                    f"{ratio:.0%}",
                    "yes" if ratio >= 0.9 else "NO",
                ]
            )
        goal = 1.5 * DJANGO_TENANTS_RPS
        targets.append(
            [
                f"hot set >= 1.5 x {DJANGO_TENANTS_RPS:,.0f} = {goal:,.0f} req/s",
                f"{hot.wrk.rps:,.0f} req/s ({hot.wrk.rps / DJANGO_TENANTS_RPS:.2f}x)",
                "yes" if hot.wrk.rps >= goal else "NO",
            ]
        )
    worst = max(r.backends for r in results)
    if any(r.backends < 0 for r in results):
        notes = [*notes, "Backends -1: the server refused the count's connection (full)."]
    targets.append(
        [
            f"backends <= workers x cap + platform = {WORKERS} x {args.cap} + {WORKERS} = {budget}",
            f"max {worst} (" + ", ".join(f"{r.name}: {r.backends}" for r in results) + ")",
            "yes" if worst <= budget else "NO",
        ]
    )
    errors = sum(r.wrk.errors for r in results)
    targets.append(["no failed requests", str(errors), "yes" if errors == 0 else "NO"])
    lines.append(table(["target", "measured", "met?"], targets))
    lines.extend(notes)
    lines.append(
        f"Wall time of the benchmark: {wall:.0f} s; every bench database and process removed."
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--hot", type=int, default=32, help="hot set size (<= --cap)")
    parser.add_argument("--cap", type=int, default=32, help="TENANT_CONNECTIONS_PER_PROCESS")
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--warmup", default="5s")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per run (median)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--small-hot", type=int, default=8, help="also run a smaller hot set (0: skip)"
    )
    parser.add_argument("--no-pgbouncer", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup:
        first, last, migrate_platform = (int(x) for x in args.setup.split(":"))
        setup(first, last, bool(migrate_platform))
        return 0

    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run = f"{os.getpid()}"
    facts = server_facts()
    notes: list[str] = []
    bench = Bench(
        run=run,
        tmp=Path(tempfile.mkdtemp(prefix="dockpulse_bench_routing_")),
        platform_db=f"dockpulse_bench_route_{run}",
        tenant_prefix=f"bench_t_r{run}_",
        cap=args.cap,
    )
    bench.tmp.chmod(0o755)
    results: list[RunResult] = []
    hot = [f"{slug(n)}.localhost" for n in range(1, args.hot + 1)]
    every = [f"{slug(n)}.localhost" for n in range(1, args.tenants + 1)]
    started = time.perf_counter()
    try:
        create_database(bench.platform_db)
        print("setup: platform, template, 1 tenant", flush=True)
        bench.provision(1, 1, migrate_platform=True)
        results.append(measure(bench, args, "a", 1, hot[:1], "direct"))

        print(f"setup: {args.tenants - 1} more tenants", flush=True)
        bench.provision(2, args.tenants, migrate_platform=False)
        # 1 host and the hot sets in turns: their ratio is the routing cost of the spread.
        runs = [("a'", args.tenants, hot[:1], "direct"), ("b", args.tenants, hot, "direct")]
        if args.small_hot:
            runs.append((f"b{args.small_hot}", args.tenants, hot[: args.small_hot], "direct"))
        results.extend(interleaved(bench, args, runs))
        results.append(measure(bench, args, "c", args.tenants, every, "direct"))

        if args.no_pgbouncer:
            notes.append("PgBouncer runs skipped (--no-pgbouncer).")
        elif shutil.which("pgbouncer") is None:
            notes.append("PgBouncer runs skipped: pgbouncer is not installed.")
        else:
            pgbouncer, pgb_port = bench.start_pgbouncer()
            try:
                results.append(
                    measure(bench, args, "c'", args.tenants, every, "PgBouncer", pgb_port)
                )
                results.append(measure(bench, args, "b'", args.tenants, hot, "PgBouncer", pgb_port))
            finally:
                terminate(pgbouncer)
                bench.processes.remove(pgbouncer)
            notes.append(
                "PgBouncer: transaction mode, `* = host=... port=...`, default_pool_size=2, "
                f"max_user_connections={WORKERS * args.cap + WORKERS}, server_idle_timeout=5; "
                "the app keeps its bounded set of client connections to PgBouncer."
            )
    finally:
        bench.stop_all()
        dropped = drop_databases([bench.platform_db, bench.tenant_prefix])
        delete_redis_keys([f"dockpulse:{bench.platform_db}:*"])
        shutil.rmtree(bench.tmp, ignore_errors=True)
        print(f"cleanup: stopped every process, dropped {len(dropped)} database(s)", flush=True)
    wall = time.perf_counter() - started
    print()
    print(report(results, args, facts, notes, wall))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "facts": facts,
                    "results": [
                        {
                            "name": r.name,
                            "tenants": r.tenants,
                            "hosts": r.spread,
                            "via": r.via,
                            "rps": r.wrk.rps,
                            "all_rps": r.all_rps,
                            "latency_avg": r.wrk.latency_avg,
                            "latency_p99": r.wrk.latency_p99,
                            "requests": r.wrk.requests,
                            "errors": r.wrk.errors,
                            "backends": r.backends,
                            "states": list(r.states.values()),
                        }
                        for r in results
                    ],
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
