"""Benchmark: `manage.py migrate_tenants` over many tenants.

    .venv/bin/python bench/migrate_tenants.py --tenants 200 [--parallel N]

Provisions N tenants (on the local PostgreSQL, databases `bench_m_*`, platform database
`dockpulse_bench_migrate`), then times, as an operator would see it (wall clock of the whole
command, Python start-up included):

1. a no-op run: every tenant is up to date;
2. one new migration for every tenant: a generated tenant app with one model is installed
   (bench/settings.py, BENCH_EXTRA_APP) and migrate_tenants applies it to the template and
   all N tenants;
3. the no-op run again.

Targets (issue 3): no-op <= 2 s and one new migration <= 4 s for 200 tenants. For scale,
django-tenants here with 200 schemas: no-op 12.3 s (6.5 s multiprocessing), one new
migration 7.0 s. Setup uses the MD5 hasher (BENCH_FAST_HASHER) to provision quickly; the
measured commands do not hash passwords. Everything created is dropped at the end.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    PYTHON,
    ROOT,
    admin_connect,
    create_database,
    delete_redis_keys,
    django_env,
    drop_databases,
    server_facts,
    table,
)
from bench.provisioning import write_extra_app

PLATFORM_DB = "dockpulse_bench_migrate"
PREFIX = "bench_m_"

PROVISION = """
import django, sys
django.setup()
from dockpulse.tenancy import platform_context
from platform_app.services import tenant_create
count = int(sys.argv[1])
with platform_context():
    for i in range(count):
        tenant_create(slug=f"m{i:04d}", name=f"Bench {i}", template="trade",
                      admin_email="owner@example.com", admin_password="Bench-Pass-123")
"""


def manage(env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, result


def summary(result: subprocess.CompletedProcess[str]) -> str:
    match = re.search(r"^\d+ tenant\(s\): .*$", result.stdout, re.M)
    return match.group(0) if match else (result.stdout + result.stderr).strip()[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=None, help="migrate_tenants --parallel")
    args = parser.parse_args()
    parallel = ["--parallel", str(args.parallel)] if args.parallel else []

    drop_databases([PREFIX, PLATFORM_DB])
    create_database(PLATFORM_DB)
    env = django_env(PLATFORM_DB, PREFIX)
    rows: list[list[object]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-migrate-") as tmp:
            setup_started = time.perf_counter()
            for step in (["migrate", "-v0"], ["migrate_tenants"]):
                seconds, result = manage(env, *step)
                if result.returncode:
                    print(result.stdout, result.stderr, file=sys.stderr)
                    return 1
            subprocess.run(
                [PYTHON, "-c", PROVISION, str(args.tenants)],
                env={**env, "BENCH_FAST_HASHER": "1"},
                cwd=ROOT,
                check=True,
            )
            print(
                f"set up {args.tenants} tenants in {time.perf_counter() - setup_started:.1f} s",
                file=sys.stderr,
            )

            seconds, result = manage(env, "migrate_tenants", *parallel)
            rows.append(["no-op", f"{seconds:.2f}", "2.0", result.returncode, summary(result)])

            app_dir = Path(tmp) / "extra"
            write_extra_app(app_dir, 1)
            with_app = {**env, "BENCH_EXTRA_APP": str(app_dir)}
            seconds, result = manage(with_app, "migrate_tenants", *parallel)
            rows.append(
                ["one new migration", f"{seconds:.2f}", "4.0", result.returncode, summary(result)]
            )
            if result.returncode:
                print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
            applied = _count_applied(args.tenants)
            seconds, result = manage(with_app, "migrate_tenants", *parallel)
            rows.append(
                ["no-op again", f"{seconds:.2f}", "2.0", result.returncode, summary(result)]
            )
    finally:
        drop_databases([PREFIX, PLATFORM_DB])
        delete_redis_keys([f"dockpulse:{PLATFORM_DB}:*"])

    facts = server_facts()
    print(
        f"migrate_tenants over {args.tenants} tenants; {facts['nproc']} CPUs, "
        f"PostgreSQL {facts['postgresql']}; wall clock of the whole command"
    )
    print(table(["run", "seconds", "target", "exit", "migrate_tenants says"], rows))
    print(f"tenants that got the new table: {applied} of {args.tenants}")
    return 0 if all(row[3] == 0 for row in rows) and applied == args.tenants else 1


def _count_applied(count: int) -> int:
    """How many tenant databases have the new migration's table (checked, not trusted)."""
    found = 0
    with admin_connect() as admin:
        names = [
            r[0]
            for r in admin.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s) AND datname <> %s",
                [PREFIX, f"{PREFIX}template"],
            ).fetchall()
        ]
    import psycopg

    from bench._common import db_url

    for name in names:
        with psycopg.connect(db_url(name)) as conn:
            row = conn.execute("SELECT to_regclass('bench_extra_001')").fetchone()
            found += bool(row and row[0])
    return found


if __name__ == "__main__":
    sys.exit(main())
