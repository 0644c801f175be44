#!/usr/bin/env python
"""Provisioning benchmark: clone of the template vs CREATE DATABASE + migrate.

    .venv/bin/python bench/provisioning.py [--tenants 15] [--runs 5] [--extra 0,50,200]

For each K in --extra, a worker process (its own platform database `dockpulse_bench_*`
and its own TENANT_DB_PREFIX) runs with K extra tenant models, each added by its own
migration (a generated app, see bench/settings.py), and measures:

- `tenant_create()` exactly as the product runs it: the clone of the template
  (`CREATE DATABASE ... TEMPLATE`), the business template's seed ("trade"), the first admin
  user hashed with the settings' default hasher (PBKDF2, never switched here), the status
  update, audit row and Redis publish. One warm-up tenant is discarded, then --tenants
  are timed.
- "create + migrate": an empty CREATE DATABASE, then Django's `migrate` of it, the way the
  template itself is built (`platform_app.services.migrations.database_migrate`), --runs times; and
  the same plus the seed and admin user (the full alternative provisioning path).

Every database the run created is dropped at the end, also on failure or Ctrl-C, and the
Redis keys of its registries are deleted. Exit status 0 when the benchmark ran (missed
targets are reported, not fatal), non-zero if it could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
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
    median,
    percentile,
    server_facts,
    table,
)

TARGET_MEDIAN_S = 0.25
TARGET_SPEEDUP = 10.0
ADMIN_PASSWORD = "Bench-Horse-4242"  # noqa: S105 - bench tenants are dropped at the end


# --- the generated app with K extra models / migrations ---------------------------------

_MODEL = """

class Extra{n:03d}(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "bench_extra_{n:03d}"
"""

_MIGRATION = """import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = {initial}
    dependencies = {dependencies}
    operations = [
        migrations.CreateModel(
            name="Extra{n:03d}",
            fields=[
                ("id", models.UUIDField(
                    default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                )),
                ("name", models.CharField(max_length=100)),
                ("amount", models.DecimalField(decimal_places=2, default=0, max_digits=12)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
            options={{"db_table": "bench_extra_{n:03d}"}},
        ),
    ]
"""


def write_extra_app(directory: Path, count: int) -> None:
    """A tenant app with `count` models, each created by its own migration."""
    app = directory / "bench_extra_tables"
    (app / "migrations").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "migrations" / "__init__.py").write_text("")
    models = "import uuid\n\nfrom django.db import models\n"
    previous = None
    for n in range(1, count + 1):
        models += _MODEL.format(n=n)
        name = f"{n:04d}_extra_{n:03d}"
        deps = [("bench_extra_tables", previous)] if previous else []
        (app / "migrations" / f"{name}.py").write_text(
            _MIGRATION.format(n=n, initial=n == 1, dependencies=repr(deps))
        )
        previous = name
    (app / "models.py").write_text(models)


# --- the worker (runs inside Django) ------------------------------------------------------


def worker(extra: int, tenants: int, runs: int, out: Path) -> None:
    import dataclasses
    from io import StringIO

    import django

    django.setup()

    from django.contrib.auth.hashers import get_hasher, make_password
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from dockpulse.tenancy import connections as tenant_connections
    from dockpulse.tenancy import dbadmin, platform_context, tenant_context
    from dockpulse.tenancy.info import template_info
    from dockpulse.tenancy.registry import registry
    from platform_app import services
    from platform_app.services.migrations import database_migrate

    # The module whose globals tenant_create() uses (platform_app.services, or its
    # provisioning submodule once services became a package).
    provisioning = sys.modules[services.tenant_create.__module__]
    real_seed = getattr(provisioning, "_seed_tenant", None)

    result: dict[str, object] = {"extra": extra, "hasher": get_hasher().algorithm}

    # Time the clone and the seed inside tenant_create() without changing it.
    phases: dict[str, float] = {}
    real_create = dbadmin.create_database

    def timed_create(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_create(*args, **kwargs)
        finally:
            phases["clone"] = time.perf_counter() - started

    def timed_seed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_seed(*args, **kwargs)
        finally:
            phases["seed"] = time.perf_counter() - started

    with platform_context():
        started = time.perf_counter()
        call_command("migrate", database="default", verbosity=0, stdout=StringIO())
        result["platform_migrate_s"] = time.perf_counter() - started

        started = time.perf_counter()
        services.template_migrate()
        result["template_migrate_s"] = time.perf_counter() - started
        with dbadmin.admin_connection() as conn:
            row = conn.execute(
                "SELECT pg_database_size(%s)", [dbadmin.template_db_name()]
            ).fetchone()
            result["template_bytes"] = row[0] if row else 0

        hashes = []
        for _ in range(5):
            started = time.perf_counter()
            make_password(ADMIN_PASSWORD)
            hashes.append(time.perf_counter() - started)
        result["hash_s"] = hashes

        dbadmin.create_database = timed_create
        if real_seed is not None:
            provisioning._seed_tenant = timed_seed
        totals, clones, seeds = [], [], []
        try:
            for i in range(tenants + 1):  # the first one warms up and is not counted
                phases.clear()
                started = time.perf_counter()
                services.tenant_create(
                    slug=f"k{extra}-t{i:02d}",
                    name=f"Bench {extra}/{i}",
                    template="trade",
                    admin_email="admin@example.com",
                    admin_password=ADMIN_PASSWORD,
                )
                elapsed = time.perf_counter() - started
                if i:
                    totals.append(elapsed)
                    clones.append(phases["clone"])
                    if "seed" in phases:
                        seeds.append(phases["seed"])
        finally:
            dbadmin.create_database = real_create
            if real_seed is not None:
                provisioning._seed_tenant = real_seed
        result.update(provision_s=totals, clone_s=clones, seed_s=seeds)

        info = registry.get(f"k{extra}-t01")
        assert info is not None and info.is_active
        with tenant_context(info):
            alias = tenant_connections.alias_for(info)
            result["migrations"] = len(MigrationRecorder(connections[alias]).applied_migrations())

        creates, migrates, cm_seeds = [], [], []
        for i in range(runs):
            name = dbadmin.tenant_db_name(f"cm{i}")
            cm = dataclasses.replace(template_info(name), slug=f"cm{i}", template="trade")
            try:
                started = time.perf_counter()
                with dbadmin.admin_connection() as conn:
                    dbadmin.create_database(conn, name)
                creates.append(time.perf_counter() - started)
                started = time.perf_counter()
                database_migrate(cm)  # as the template is built
                migrates.append(time.perf_counter() - started)
                if real_seed is not None:
                    started = time.perf_counter()
                    with tenant_context(cm):
                        real_seed(
                            cm,
                            admin_email="admin@example.com",
                            admin_name="",
                            password=ADMIN_PASSWORD,
                            # create + migrate hashes in line: it has no clone to overlap
                            password_hash=make_password(ADMIN_PASSWORD),
                        )
                    cm_seeds.append(time.perf_counter() - started)
            finally:
                with tenant_context(cm):
                    tenant_connections.forget(cm.alias)
                with dbadmin.admin_connection() as conn:
                    dbadmin.drop_database(conn, name)
        result.update(cm_create_s=creates, cm_migrate_s=migrates, cm_seed_s=cm_seeds)

    for alias in list(connections):
        connections[alias].close()
    out.write_text(json.dumps(result))


# --- the orchestrator -------------------------------------------------------------------


def _fmt(seconds: float) -> str:
    return f"{seconds:.3f}"


def _summary(values: list[float]) -> list[str]:
    return [
        _fmt(median(values)),
        _fmt(percentile(values, 0.9)),
        _fmt(min(values)),
        _fmt(max(values)),
        str(len(values)),
    ]


def report(results: list[dict], facts: dict[str, str], wall: float) -> str:
    lines = []
    base = results[0]
    hash_med = median(base["hash_s"])
    cm_total = [a + b for a, b in zip(base["cm_create_s"], base["cm_migrate_s"], strict=True)]
    has_seed = bool(base["seed_s"]) and bool(base["cm_seed_s"])
    cm_full = [a + b for a, b in zip(cm_total, base["cm_seed_s"], strict=True)] if has_seed else []
    lines.append(
        f"Provisioning benchmark - {facts['nproc']} CPUs, PostgreSQL {facts['postgresql']}, "
        f"max_connections {facts['max_connections']}; hasher: {base['hasher']} "
        f"(the settings' default); {base['migrations']} migrations in a tenant database "
        f"with K=0; template {base['template_bytes'] / 1e6:.1f} MB."
    )
    lines.append("")
    lines.append(
        f"Seconds, K=0 (the product as it is), {len(base['provision_s'])} tenants "
        f"/ {len(cm_total)} create+migrate runs:"
    )
    steps = [
        ["tenant_create() (clone + seed + admin, production path)", *_summary(base["provision_s"])],
        ["  of which CREATE DATABASE ... TEMPLATE (clone)", *_summary(base["clone_s"])],
    ]
    if has_seed:
        steps.append(
            ["  of which seed + admin user (tenant transaction)", *_summary(base["seed_s"])]
        )
    steps.append(["  of which one PBKDF2 hash (measured alone)", *_summary(base["hash_s"])])
    steps.append(["CREATE DATABASE (empty) + migrate", *_summary(cm_total)])
    if has_seed:
        steps.append(["CREATE DATABASE (empty) + migrate + seed + admin", *_summary(cm_full)])
    lines.append(table(["step", "median", "p90", "min", "max", "n"], steps))
    prov_med = median(base["provision_s"])
    clone_med = median(base["clone_s"])
    speedup = median(cm_total) / prov_med
    speedup_full = median(cm_full) / prov_med if has_seed else float("nan")
    speedup_clone = median(cm_total) / clone_med
    lines.append("")
    lines.append(
        table(
            ["target", "measured", "met?"],
            [
                [
                    f"provisioning median <= {TARGET_MEDIAN_S} s",
                    f"{prov_med:.3f} s",
                    "yes" if prov_med <= TARGET_MEDIAN_S else "NO",
                ],
                [
                    f">= {TARGET_SPEEDUP:.0f}x faster than create + migrate",
                    f"{speedup:.1f}x (create+migrate / tenant_create)",
                    "yes" if speedup >= TARGET_SPEEDUP else "NO",
                ],
                [
                    "  same, both paths with seed + admin",
                    f"{speedup_full:.1f}x",
                    "yes" if speedup_full >= TARGET_SPEEDUP else "NO",
                ],
                [
                    "  clone step alone vs create + migrate",
                    f"{speedup_clone:.1f}x",
                    "yes" if speedup_clone >= TARGET_SPEEDUP else "NO",
                ],
            ],
        )
    )
    if prov_med > TARGET_MEDIAN_S:
        lines.append(
            f"Note: one PBKDF2 hash alone takes {hash_med:.3f} s on this machine (Django 5.2: "
            f"1,000,000 iterations); tenant_create() minus that hash is "
            f"~{prov_med - hash_med:.3f} s."
        )
    lines.append("")
    lines.append(
        "Flat as migrations are added (K extra tenant models, one migration each; "
        "medians in seconds):"
    )
    rows = []
    for res in results:
        cm = [a + b for a, b in zip(res["cm_create_s"], res["cm_migrate_s"], strict=True)]
        rows.append(
            [
                str(res["extra"]),
                str(res["migrations"]),
                f"{res['template_bytes'] / 1e6:.1f}",
                _fmt(median(res["clone_s"])),
                _fmt(median(res["provision_s"])),
                _fmt(median(cm)),
                f"{median(cm) / median(res['provision_s']):.1f}x",
                _fmt(res["template_migrate_s"]),
            ]
        )
    lines.append(
        table(
            [
                "K",
                "migrations",
                "template MB",
                "clone",
                "tenant_create",
                "create+migrate",
                "speed-up",
                "template migrate (once)",
            ],
            rows,
        )
    )
    clones = [median(r["clone_s"]) for r in results]
    cms = [
        median([a + b for a, b in zip(r["cm_create_s"], r["cm_migrate_s"], strict=True)])
        for r in results
    ]
    lines.append(
        f"clone median from K={results[0]['extra']} to K={results[-1]['extra']}: "
        f"{clones[0]:.3f} -> {clones[-1]:.3f} s ({clones[-1] / clones[0]:.2f}x); "
        f"create+migrate: {cms[0]:.3f} -> {cms[-1]:.3f} s ({cms[-1] / cms[0]:.2f}x)."
    )
    lines.append(f"Wall time of the benchmark: {wall:.0f} s; every bench database dropped.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tenants", type=int, default=15)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--extra", default="0,50,200", help="extra models/migrations, K list")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker is not None:
        worker(args.worker, args.tenants, args.runs, args.out)
        return 0

    # SIGTERM runs the cleanup too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run = f"{os.getpid()}"
    platform_prefix = f"dockpulse_bench_prov_{run}_"
    tenant_prefix = f"bench_t_p{run}_"
    extras = [int(k) for k in args.extra.split(",")]
    facts = server_facts()
    results = []
    tmp = Path(tempfile.mkdtemp(prefix="dockpulse_bench_"))
    started = time.perf_counter()
    try:
        for index, extra in enumerate(extras):
            platform_db = f"{platform_prefix}{index}_k{extra}"
            create_database(platform_db)
            env_extra = {}
            if extra:
                app_dir = tmp / f"{index}_k{extra}"
                write_extra_app(app_dir, extra)
                env_extra["BENCH_EXTRA_APP"] = str(app_dir)
            out = tmp / f"{index}_k{extra}.json"
            print(
                f"K={extra}: provisioning {args.tenants + 1} tenants, "
                f"{args.runs} create+migrate runs ...",
                flush=True,
            )
            subprocess.run(
                [
                    PYTHON,
                    __file__,
                    "--worker",
                    str(extra),
                    "--tenants",
                    str(args.tenants),
                    "--runs",
                    str(args.runs),
                    "--out",
                    str(out),
                ],
                env=django_env(platform_db, f"{tenant_prefix}{index}_k{extra}_", **env_extra),
                cwd=ROOT,
                check=True,
                timeout=600,
            )
            results.append(json.loads(out.read_text()))
    finally:
        dropped = drop_databases([platform_prefix, tenant_prefix])
        delete_redis_keys([f"dockpulse:{platform_prefix}*"])
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"cleanup: dropped {len(dropped)} database(s)", flush=True)
    wall = time.perf_counter() - started
    print()
    print(report(results, facts, wall))
    if args.json:
        args.json.write_text(json.dumps({"facts": facts, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
