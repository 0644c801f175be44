#!/usr/bin/env python
"""The reports on a `seed_demo --size large` tenant: p95 per report, and a big XLSX export.

    .venv/bin/python bench/reports.py [--requests 20] [--warmup 3] [--scale 1] [--keep]
    .venv/bin/python bench/reports.py --reuse PLATFORM_DB:TENANT_PREFIX   # a kept setup

Provisions one tenant (`bench`, template trade, plan enterprise) in databases of its own
and fills it with `manage.py seed_demo bench --size large` (20,000 customers, 5,000
products, 100,000 orders with ~300,000 lines, ~1,000,000 stock movements; `--scale` takes a
fraction). A `--reuse` of a setup kept by bench/pages.py works too (same tenant and admin).
Then, with gunicorn (2 sync workers, bench.settings, DEBUG off), signed in as the admin:

- every report over a one-year range (the tenant's today and the 364 days before: all of
  the demo's orders), on its panel page and through the API, --warmup then --requests
  sequential requests each; the stock value today and at a past day (rebuilt from the
  ledger). Targets (issue 17): p95 <= 1 s each.
- an XLSX export of the sales report's order lines, in a child process (the Celery task's
  code path: the writer over a server-side cursor), once for ~10,000 lines and once for
  >= 100,000: wall time and the process's peak RSS. Targets: <= 10 s for 100,000 lines,
  and a peak that does not grow with the number of rows (flat memory).

Every response must be 200. Databases and Redis keys are removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    PYTHON,
    ROOT,
    create_database,
    db_url,
    delete_redis_keys,
    django_env,
    drop_databases,
    percentile,
    server_facts,
    table,
    terminate,
)
from bench.pages import ADMIN, PASSWORD, SLUG, Page, Session, measure, start_gunicorn

TARGET_MS = 1000.0
EXPORT_TARGET_S = 10.0
EXPORT_LINES = (10_000, 100_000)


# --- setup and the export child (inside Django) --------------------------------------------


def setup(scale: str) -> None:
    from io import StringIO

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from dockpulse.tenancy import platform_context
    from platform_app import services

    with platform_context():
        call_command("migrate", database="default", verbosity=0, stdout=StringIO())
        services.template_migrate()
        services.tenant_create(
            slug=SLUG, name="Hurtownia Benchmark sp. z o.o.", template="trade",
            plan_code="enterprise", admin_email=ADMIN, admin_password=PASSWORD, language="pl",
        )  # fmt: skip
    started = time.perf_counter()
    call_command("seed_demo", SLUG, size="large", scale=scale)
    print(f"  seed_demo --size large --scale {scale}: {time.perf_counter() - started:.1f} s",
          flush=True)  # fmt: skip
    for alias in list(connections):
        connections[alias].close()


def export_child(lines: int, out: str) -> None:
    """Write the order lines of the shortest range ending today that holds `lines` lines
    as XLSX, timing the whole export; print JSON (rows, seconds, peak RSS in MB)."""
    import django

    django.setup()
    from dockpulse.tenancy import tenant_context
    from tenant_apps.reports.exports.writers import write_xlsx
    from tenant_apps.reports.periods import DateRange, tenant_today
    from tenant_apps.reports.selectors.sales import sales_lines_export
    from tenant_apps.reports.sql import fetch, report_session

    with tenant_context(SLUG):
        today = tenant_today()
        with report_session():
            per_day = fetch(
                "SELECT (o.created_at AT TIME ZONE %s)::date AS day, count(*) "
                "FROM order_lines l JOIN orders o ON o.id = l.order_id "
                "WHERE o.status <> 'cancelled' GROUP BY 1 ORDER BY 1 DESC",
                ["Europe/Warsaw"],
            )
        start, total = today, 0
        for day, count in per_day:
            start, total = day, total + count
            if total >= lines:
                break
        export = sales_lines_export(DateRange(start, today))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        with report_session(timeout_ms=0), open(out, "wb") as target:  # noqa: PTH123
            rows = write_xlsx(export, target)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak, "before_mb": before,
                      "size_mb": Path(out).stat().st_size / 1e6, "from": str(start)}))  # fmt: skip


# --- measuring ------------------------------------------------------------------------------


def api_token(port: int) -> str:
    """The admin's access token (JSON body: Session.request posts forms)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"email": ADMIN, "password": PASSWORD})
    conn.request(
        "POST",
        "/api/v1/auth/token/",
        body=body,
        headers={"Host": f"{SLUG}.localhost:{port}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"token: {response.status} {data[:200]!r}")
    return str(json.loads(data)["access"])


def report_pages(today: dt.date) -> list[tuple[str, str, str]]:
    """(key, label, path + query) of each report over a one-year range."""
    year = {"date_from": str(today - dt.timedelta(days=364)), "date_to": str(today)}
    past = str(today - dt.timedelta(days=45))

    def q(**params: str) -> str:
        return "?" + urlencode(params) if params else ""

    return [
        ("sales_day", "sales per day", "sales/" + q(**year, grain="day")),
        ("sales_customer", "sales per week by customer",
         "sales/" + q(**year, grain="week", group_by="customer")),
        ("sales_product", "sales per month by product",
         "sales/" + q(**year, grain="month", group_by="product")),
        ("sales_category", "sales per month by category",
         "sales/" + q(**year, grain="month", group_by="category")),
        ("sales_staff", "sales per month by staff",
         "sales/" + q(**year, grain="month", group_by="staff")),
        ("funnel", "quote funnel per week", "funnel/" + q(**year, grain="week")),
        ("stock_today", "stock value today", "stock-value/"),
        ("stock_past", f"stock value on {past}", "stock-value/" + q(as_of=past)),
        ("low_stock", "low stock", "low-stock/"),
        ("top_customers", "top customers", "top-customers/" + q(**year)),
        ("top_products", "top products", "top-products/" + q(**year)),
    ]  # fmt: skip


def tenant_today(tenant_prefix: str) -> dt.date:
    with psycopg.connect(db_url(f"{tenant_prefix}{SLUG}")) as conn:
        row = conn.execute("SELECT (now() AT TIME ZONE 'Europe/Warsaw')::date").fetchone()
    assert row is not None
    return row[0]


def data_line(tenant_prefix: str) -> str:
    with psycopg.connect(db_url(f"{tenant_prefix}{SLUG}")) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines),"
            " (SELECT count(*) FROM stock_movements), (SELECT count(*) FROM stock_levels),"
            " (SELECT count(*) FROM quotes)"
        ).fetchone()
    assert counts is not None
    return ("{} orders, {} order lines, {} stock movements, {} stock levels, "
            "{} quotes").format(*counts)  # fmt: skip


def run_exports(env: dict[str, str]) -> list[dict[str, float]]:
    results = []
    for lines in EXPORT_LINES:
        out = f"/tmp/dockpulse-bench-export-{os.getpid()}.xlsx"  # noqa: S108
        try:
            done = subprocess.run([PYTHON, __file__, "--export-child", str(lines), out],
                                  env=env, cwd=ROOT, check=True, capture_output=True,
                                  text=True, timeout=600)  # fmt: skip
        finally:
            Path(out).unlink(missing_ok=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"  xlsx export, {result['rows']} lines: {result['seconds']:.1f} s, "
            f"peak RSS {result['peak_mb']:.0f} MB",
            flush=True,
        )
        results.append(result)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--scale", default="1", help="a fraction of the large size (quick runs)")
    parser.add_argument("--keep", action="store_true", help="keep the databases for --reuse")
    parser.add_argument(
        "--reuse",
        metavar="PLATFORM_DB:TENANT_PREFIX",
        help="measure a setup kept by --keep (this bench or bench/pages.py)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--export-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()  # fmt: skip

    if args.setup is not None:
        setup(args.setup)
        return 0
    if args.export_child:
        export_child(int(args.export_child[0]), args.export_child[1])
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run = f"{os.getpid()}"
    if args.reuse:
        platform_db, tenant_prefix = args.reuse.split(":", 1)
    else:
        platform_db, tenant_prefix = f"dockpulse_bench_reports_{run}", f"bench_r_g{run}_"
    env = django_env(platform_db, tenant_prefix, SESSION_COOKIE_SECURE="0")
    facts = server_facts()
    gunicorn = None
    keep = args.keep or bool(args.reuse)
    pages: list[Page] = []
    try:
        if not args.reuse:
            create_database(platform_db)
            print(f"setup: tenant {SLUG}, seed_demo --size large --scale {args.scale} ...",
                  flush=True)  # fmt: skip
            subprocess.run([PYTHON, __file__, "--setup", args.scale], env=env, cwd=ROOT,
                           check=True, timeout=3600)  # fmt: skip
            with psycopg.connect(db_url("postgres"), autocommit=True) as conn:
                conn.execute("CHECKPOINT")
        today = tenant_today(tenant_prefix)
        gunicorn, port = start_gunicorn(env)
        session = Session(port)
        session.login()
        api = Session(port)
        token = api_token(port)
        for key, label, path in report_pages(today):
            page = Page(key, f"{label} (page)", "report", [f"/reports/{path}"])
            measure(session, page, args.warmup, args.requests)
            pages.append(page)
            api_page = Page(f"{key}_api", f"{label} (API)", "report",
                            [f"/api/v1/reports/{path}"])  # fmt: skip
            api.cookies.clear()
            measure_api(api, api_page, token, args.warmup, args.requests)
            pages.append(api_page)
            print(
                f"  {label}: page p95 {percentile(page.times, 0.95):.0f} ms, "
                f"API p95 {percentile(api_page.times, 0.95):.0f} ms",
                flush=True,
            )
        terminate(gunicorn)
        gunicorn = None
        exports = run_exports(env)
        what = f"Reports on a large demo tenant ({data_line(tenant_prefix)})."
    finally:
        terminate(gunicorn)
        if keep:
            print(f"kept: --reuse {platform_db}:{tenant_prefix}", flush=True)
        else:
            dropped = drop_databases([platform_db, tenant_prefix])
            delete_redis_keys([f"dockpulse:{platform_db}*"])
            print(f"cleanup: dropped {len(dropped)} database(s)", flush=True)
    print()
    print(summary(pages, exports, facts, what))
    if args.json:
        raw = {page.key: page.times for page in pages}
        args.json.write_text(json.dumps({"facts": facts, "data": what, "ms": raw,
                                         "exports": exports}, indent=1))  # fmt: skip
    return 0


def measure_api(session: Session, page: Page, token: str, warmup: int, requests: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for number in range(warmup + requests):
        started = time.perf_counter()
        status, _headers, body = session.request("GET", page.paths[0], headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"{page.label}: HTTP {status}: {body[:200]!r}")
        if number >= warmup:
            page.times.append(elapsed)


def summary(pages: list[Page], exports: list[dict[str, float]], facts: dict[str, str],
            what: str) -> str:  # fmt: skip
    rows = []
    for page in pages:
        p50, p95 = percentile(page.times, 0.5), percentile(page.times, 0.95)
        rows.append((page.label, f"{p50:.0f}", f"{p95:.0f}", f"{max(page.times):.0f}",
                     f"<= {TARGET_MS:.0f}", "ok" if p95 <= TARGET_MS else "OVER"))  # fmt: skip
    out = (
        f"{what} gunicorn 2 sync workers, sequential requests, one-year range; "
        f"nproc={facts['nproc']}, PostgreSQL {facts['postgresql']}. Milliseconds.\n\n"
    )
    out += table(("report", "p50", "p95", "max", "p95 target", ""), rows)
    export_rows = [
        (int(e["rows"]), f"{e['seconds']:.1f}", f"{e['peak_mb']:.0f}", f"{e['size_mb']:.1f}",
         "ok" if e["rows"] < 100_000 or e["seconds"] <= EXPORT_TARGET_S else "OVER")
        for e in exports
    ]  # fmt: skip
    out += "\n\nXLSX export of the sales report's order lines (child process):\n\n"
    out += table(("order lines", "seconds", "peak RSS MB", "file MB", ""), export_rows)
    return out


if __name__ == "__main__":
    sys.exit(main())
