#!/usr/bin/env python
"""Event bus benchmark: commit -> handler start latency, sustained rate, and losses.

    .venv/bin/python bench/events.py [--tenants 100] [--events 5000] [--producers 2]

Sets up its own platform database (`dockpulse_bench_events`) and --tenants tenants (prefix
`bench_e_`), then runs the product's processes exactly as deployed -- `manage.py
listen_events` and a prefork Celery worker (2 children) on Redis -- while producer threads
commit --events `customer.updated` events (one per transaction, through the real
`events.emit` and its outbox bridge), spread over all tenants.

Two scenarios:
1. database-only handlers: the customer timeline, the workflow-trigger lookup, and a bench
   handler that records its start time (bench/event_handlers.py);
2. the same plus an SMS trigger on `customer.updated` per tenant, on the file backend
   (sends are Celery tasks of their own; every SMS line is counted).

Latency = the bench handler's start time minus the moment the producer's commit returned.
"Lost" = committed events whose handler never started within the drain-out timeout, and
for scenario 2 events without exactly one SMS. Everything the run created is dropped at
the end. Exit 0 when nothing was lost.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    PYTHON,
    REDIS_URL,
    ROOT,
    create_database,
    delete_redis_keys,
    django_env,
    drop_databases,
    median,
    percentile,
    server_facts,
    table,
    terminate,
)

PLATFORM_DB = "dockpulse_bench_events"
PREFIX = "bench_e_"
TARGETS = {"p50_ms": 50.0, "p99_ms": 250.0, "rate": 1000.0}

SETUP = """
import django, sys
django.setup()
from dockpulse.tenancy import platform_context, tenant_context
from dockpulse.tenancy.registry import registry
from platform_app.services import tenant_create
from dockpulse.actors import SYSTEM
from tenant_apps.customers.inputs import CustomerInput
from tenant_apps.customers.services import customer_create
count = int(sys.argv[1])
for i in range(count):
    slug = f"e{i:04d}"
    with platform_context():
        tenant_create(slug=slug, name=f"Bench {i}", template="trade",
                      admin_email="owner@example.com", admin_password="Bench-Pass-123")
    with tenant_context(registry.get(slug)):
        customer_create(values=CustomerInput(name="Bench customer", phone=f"+4860{i:07d}"),
                        actor=SYSTEM)
"""

SMS_TRIGGERS = """
import django, sys
django.setup()
from dockpulse.actors import SYSTEM
from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.registry import registry
from platform_app.models import Tenant
from tenant_apps.notifications.inputs import trigger_input
from tenant_apps.notifications.services import trigger_create
for slug in Tenant.objects.filter(status="active").values_list("slug", flat=True):
    with tenant_context(registry.get(slug)):
        trigger_create(values=trigger_input(name="bench sms", event_type="customer.updated",
                       action_type="sms", action_config={"to": ["+48600000001"]}), actor=SYSTEM)
"""

# Each producer thread owns a share of the tenants and commits its events round-robin over
# a window of 5 of them at a time, so every tenant gets events while the number of open
# tenant connections stays within PostgreSQL's max_connections (100 here).
PRODUCE = """
import django, json, sys, threading, time
django.setup()
from django.db import connections
from dockpulse import events
from dockpulse.tenancy import tenant_atomic, tenant_context
from dockpulse.tenancy.registry import registry
from platform_app.models import Tenant
from tenant_apps.customers.models import Customer
total, threads, out, rate = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
# With a rate, each thread commits on a fixed schedule (its share of the rate).
interval = threads / rate if rate > 0 else 0.0
slugs = sorted(Tenant.objects.filter(status="active").values_list("slug", flat=True))
infos = [registry.get(s) for s in slugs]
records, lock = [], threading.Lock()

def produce(worker):
    mine = infos[worker::threads]
    quota = total // threads + (1 if worker < total % threads else 0)
    per_tenant = [quota // len(mine) + (i < quota % len(mine)) for i in range(len(mine))]
    customers = {}
    seq = 0
    next_at = time.perf_counter()
    for start in range(0, len(mine), 5):
        window = list(range(start, min(start + 5, len(mine))))
        left = {i: per_tenant[i] for i in window}
        while any(left.values()):
            for i in window:
                if not left[i]:
                    continue
                left[i] -= 1
                if interval:
                    next_at += interval
                    pause = next_at - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                with tenant_context(mine[i]):
                    if i not in customers:
                        customers[i] = Customer.objects.values_list("id", flat=True).first()
                    with tenant_atomic():
                        event = events.emit(event_type="customer.updated", source_module="bench",
                                            entity_type="customer", entity_id=customers[i],
                                            payload={"bench_seq": seq})
                    committed = time.time()
                seq += 1
                with lock:
                    records.append((str(event.event_id), committed))
        connections.close_all()

started = time.time()
pool = [threading.Thread(target=produce, args=(w,)) for w in range(threads)]
for t in pool: t.start()
for t in pool: t.join()
Path = __import__("pathlib").Path
Path(out).write_text(json.dumps({"started": started, "finished": time.time(), "events": records}))
"""


def run_python(env: dict[str, str], code: str, *args: str) -> None:
    subprocess.run([PYTHON, "-c", code, *args], env=env, cwd=ROOT, check=True)


def scenario(env: dict[str, str], tmp: Path, name: str, events: int, producers: int,
             sms_file: Path | None, rate: float) -> dict[str, object]:  # fmt: skip
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete("bench:events:started")
    files = "".join(ch if ch.isalnum() else "-" for ch in name)
    listener = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), "listen_events"], env=env, cwd=ROOT,
        stdout=(tmp / f"{files}-listener.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "dockpulse", "worker", "-l",
         os.environ.get("BENCH_WORKER_LOG_LEVEL", "WARNING"), "-c", "2",
         "-Q", "events,notifications,webhooks,maintenance", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        env=env, cwd=ROOT, stdout=(tmp / f"{files}-worker.log").open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(6)  # both connected, the listener's start-up wake-ups drained
        out = tmp / f"{files}-produced.json"
        run_python(env, PRODUCE, str(events), str(producers), str(out), str(rate))
        produced = json.loads(out.read_text())
        committed = {event_id: at for event_id, at in produced["events"]}
        deadline = time.time() + 120
        while time.time() < deadline and client.llen("bench:events:started") < len(committed):
            time.sleep(0.2)
        if sms_file is not None:
            while time.time() < deadline and _lines(sms_file) < len(committed):
                time.sleep(0.2)
    finally:
        terminate(listener)
        terminate(worker)
        if os.environ.get("BENCH_KEEP_LOGS"):
            keep = Path(os.environ["BENCH_KEEP_LOGS"])
            keep.mkdir(parents=True, exist_ok=True)
            for log in tmp.glob(f"{files}-*"):
                shutil.copy(log, keep / log.name)
    starts: dict[str, float] = {}
    duplicates = 0
    for raw in client.lrange("bench:events:started", 0, -1):
        event_id, at = raw.decode().split()
        duplicates += event_id in starts
        starts.setdefault(event_id, float(at))
    latencies = [(starts[e] - committed[e]) * 1000 for e in committed if e in starts]
    lost = len([e for e in committed if e not in starts])
    last_start = max(starts.values()) if starts else produced["finished"]
    span = last_start - produced["started"]
    row: dict[str, object] = {
        "scenario": name,
        "events": len(committed),
        "produced/s": len(committed) / (produced["finished"] - produced["started"]),
        "handled/s": len(latencies) / span if span > 0 else 0.0,
        "p50_ms": median(latencies) if latencies else float("nan"),
        "p99_ms": percentile(latencies, 99) if latencies else float("nan"),
        "max_ms": max(latencies) if latencies else float("nan"),
        "lost": lost,
        "handled twice": duplicates,
    }
    if sms_file is not None:
        row["sms"] = _lines(sms_file)
        row["lost"] = lost + max(0, len(committed) - _lines(sms_file))
    return row


def backlog(env: dict[str, str], tmp: Path, events: int, producers: int) -> dict[str, object]:
    """Capacity: commit `events` with the worker stopped, then start it and time the drain-out
    (the listener queued the drains meanwhile; the producers no longer compete for CPU)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete("bench:events:started")
    listener = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), "listen_events"], env=env, cwd=ROOT,
        stdout=(tmp / "backlog-listener.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = None
    try:
        time.sleep(3)
        out = tmp / "backlog-produced.json"
        run_python(env, PRODUCE, str(events), str(producers), str(out), "0")
        committed = {e for e, _at in json.loads(out.read_text())["events"]}
        worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "dockpulse", "worker", "-l", "WARNING", "-c", "2",
             "-Q", "events,notifications,webhooks,maintenance", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            env=env, cwd=ROOT, stdout=(tmp / "backlog-worker.log").open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.time() + 180
        while time.time() < deadline and client.llen("bench:events:started") < len(committed):
            time.sleep(0.1)
    finally:
        terminate(listener)
        terminate(worker)
    starts = [
        float(raw.decode().split()[1]) for raw in client.lrange("bench:events:started", 0, -1)
    ]
    seen = {raw.decode().split()[0] for raw in client.lrange("bench:events:started", 0, -1)}
    span = max(starts) - min(starts) if len(starts) > 1 else float("nan")
    return {"events": len(committed), "handled": len(seen & committed),
            "rate": len(starts) / span if span else float("nan")}  # fmt: skip


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--producers", type=int, default=2)
    parser.add_argument("--rates", default="0",
                        help="offered loads in events/s, comma-separated; 0 = as fast as the "
                             "producers can commit")  # fmt: skip
    args = parser.parse_args()

    drop_databases([PREFIX, PLATFORM_DB])
    create_database(PLATFORM_DB)
    rows: list[dict[str, object]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-events-") as tmp_name:
            tmp = Path(tmp_name)
            sms_file = tmp / "sms.jsonl"
            env = django_env(
                PLATFORM_DB, PREFIX,
                EVENT_HANDLER_MODULES="bench.event_handlers", BENCH_REDIS_URL=REDIS_URL,
                SMS_BACKEND="file", SMS_FILE_PATH=str(sms_file),
                TENANT_CONNECTIONS_PER_PROCESS="32", LOG_LEVEL="WARNING",
            )  # fmt: skip
            started = time.perf_counter()
            for step in (["migrate", "-v0"], ["migrate_tenants"]):
                subprocess.run([PYTHON, str(ROOT / "manage.py"), *step], env=env, cwd=ROOT,
                               check=True, capture_output=True)  # fmt: skip
            run_python({**env, "BENCH_FAST_HASHER": "1"}, SETUP, str(args.tenants))
            print(f"set up {args.tenants} tenants in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr)  # fmt: skip
            rates = [float(r) for r in args.rates.split(",")]
            for rate in rates:
                label = f"database-only handlers, {'max' if not rate else f'{rate:.0f}/s'}"
                rows.append(scenario(env, tmp, label, args.events, args.producers, None, rate))
            capacity = backlog(env, tmp, args.events, args.producers)
            run_python(env, SMS_TRIGGERS)
            for rate in rates:
                sms_file.unlink(missing_ok=True)
                label = f"+ SMS trigger (file), {'max' if not rate else f'{rate:.0f}/s'}"
                rows.append(scenario(env, tmp, label, args.events, args.producers, sms_file, rate))
    finally:
        drop_databases([PREFIX, PLATFORM_DB])
        delete_redis_keys([f"dockpulse:{PLATFORM_DB}:*", "bench:events:*"])

    facts = server_facts()
    print(f"{args.events} events over {args.tenants} tenants, {args.producers} producer "
          f"threads; {facts['nproc']} CPUs, PostgreSQL {facts['postgresql']}")  # fmt: skip
    headers = ["scenario", "events", "produced/s", "handled/s", "p50 ms", "p99 ms", "max ms",
               "lost", "handled twice", "SMS written"]  # fmt: skip
    print(table(headers, [[
        r["scenario"], r["events"], f"{r['produced/s']:.0f}", f"{r['handled/s']:.0f}",
        f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", f"{r['max_ms']:.1f}", r["lost"],
        r["handled twice"], r.get("sms", "-"),
    ] for r in rows]))  # fmt: skip
    print(
        f"capacity, database-only handlers: a backlog of {capacity['events']} events drained "
        f"at {capacity['rate']:.0f} events/s by one worker (2 children); "
        f"{capacity['events'] - capacity['handled']} lost"  # type: ignore[operator]
    )
    first = rows[0]
    print(
        f"targets (database-only): p50 <= {TARGETS['p50_ms']:.0f} ms: {first['p50_ms']:.1f}; "
        f"p99 <= {TARGETS['p99_ms']:.0f} ms: {first['p99_ms']:.1f}; >= {TARGETS['rate']:.0f}"
        f" events/s: {capacity['rate']:.0f} (capacity)"
    )
    lost = capacity["events"] != capacity["handled"]
    return 0 if all(r["lost"] == 0 for r in rows) and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
