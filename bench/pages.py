#!/usr/bin/env python
"""Staff-panel pages on a `seed_demo --size large` tenant: server time p50/p95 per page.

    .venv/bin/python bench/pages.py [--requests 200] [--warmup 20] [--scale 1] [--keep]
    .venv/bin/python bench/pages.py --reuse PLATFORM_DB:TENANT_PREFIX   # a kept setup

Provisions one tenant (`bench`, template trade, plan enterprise: no customer limit) in
databases of its own, fills it with `manage.py seed_demo bench --size large` (20,000
customers, 5,000 products, 100,000 orders with ~300,000 lines, ~1,000,000 stock movements;
`--scale` takes a fraction of that) and starts gunicorn (2 sync workers, bench.settings,
DEBUG off). Then it signs in as the tenant's admin through the login page and, per page,
sends --warmup requests and then --requests sequential ones, one at a time, timing each
from sending the request to reading the whole response on loopback (so the figure is the
server's time plus a loopback round trip, well under a millisecond here):

  dashboard            /
  customer list        /customers/                       (first page)
  list search          /customers/?q=<surname>
  list filter          /customers/?tag=VIP
  customer detail      /customers/<id>/                  (the customer with ~200 orders)
  its orders fragment  /orders/for-customer/<id>/        (htmx: HX-Request: true)
  search as you type   /search/?q=<2..5 characters>      (htmx; several prefixes in turn)
  order list           /orders/  and  /orders/?status=delivered
  order detail         /orders/<id>/                     (an order of 50 lines)
  line editor          POST /sales/editor/recompute/     (htmx; the same 50 lines)
  order PDF            /orders/<id>/pdf/                 (the same order; fewer requests)

and, signed in to the customer portal (/portal/login/, phone + password) as a customer with
PORTAL_ORDERS orders (the seed's customer with many orders, topped up through the service):

  portal home          /portal/
  portal order list    /portal/orders/  and  /portal/orders/?status=all&page=10

and, on the platform host (app.localhost) with PLATFORM_TENANTS more tenant rows (rows
only: status active, a fake database name, a gathered TenantUsage row each; the list never
opens tenant databases), signed in as a platform admin with password + TOTP:

  platform tenants     /   and  /?page=5  /?q=bench-1  /?status=active&plan=business

`--only platform` skips the large tenant (no seed_demo: a minute instead of many) and
measures the platform list alone.

Every response must be 200 (a redirect to the login page or an error stops the run). The
targets (docs/performance.md): the platform tenants list p95 < 300 ms with 500 tenants
(issue 16), dashboard p95 <= 300 ms, list and detail pages p95 <= 150
ms, search p95 <= 100 ms, line editor recompute p95 <= 80 ms, one order PDF <= 1 s, portal
home and order list p95 <= 100 ms (issue 15).
Databases (dockpulse_bench_pages_<pid>, bench_t_g<pid>_*), the gunicorn processes and the
Redis keys are removed at the end, unless --keep (then the names are printed, to pass to
--reuse).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

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
    free_port,
    percentile,
    server_facts,
    table,
    terminate,
)

SLUG = "bench"
HOST = f"{SLUG}.localhost"
ADMIN = "admin@example.com"
PASSWORD = "Bench-Horse-4242"  # noqa: S105 - the bench tenant is dropped at the end
WORKERS = 2
TYPED = ("ko", "kow", "kowa", "kowal", "no", "now", "nowa", "cem", "ceme", "wkr")
TARGETS = {
    "dashboard": 300.0, "list": 150.0, "search": 100.0, "recompute": 80.0, "pdf": 1000.0,
    "portal": 100.0, "platform": 300.0,
}  # fmt: skip
LONG_ORDER_LINES = 50
PORTAL_ORDERS = 500
PORTAL_PASSWORD = "Portal-Bench-4242"  # noqa: S105 - as PASSWORD
PLATFORM_HOST = "app.localhost"
PLATFORM_ADMIN = "ops@bench.example.com"
PLATFORM_TENANTS = 500
# The bench admin's TOTP secret (hex, as django-otp stores it): the client computes codes.
PLATFORM_TOTP_KEY = "3132333435363738393031323334353637383930"


# --- setup (runs inside Django, in a child process) --------------------------------------


def setup(scale: str, only: str) -> None:
    from io import StringIO

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from dockpulse.tenancy import platform_context
    from platform_app import services

    with platform_context():
        call_command("migrate", database="default", verbosity=0, stdout=StringIO())
        platform_rows()
    if only == "platform":
        for alias in list(connections):
            connections[alias].close()
        return
    with platform_context():
        services.template_migrate()
        services.tenant_create(
            slug=SLUG, name="Hurtownia Benchmark sp. z o.o.", template="trade",
            plan_code="enterprise", admin_email=ADMIN, admin_password=PASSWORD, language="pl",
        )  # fmt: skip
    started = time.perf_counter()
    call_command("seed_demo", SLUG, size="large", scale=scale)
    print(f"  seed_demo --size large --scale {scale}: {time.perf_counter() - started:.1f} s "
          "(process, commit included)", flush=True)  # fmt: skip
    long_order()
    portal_customer()
    for alias in list(connections):
        connections[alias].close()


def platform_rows() -> None:
    """PLATFORM_TENANTS tenant rows with gathered usage (no databases: the list reads only
    the platform's tables), and a platform admin with a confirmed TOTP device."""
    import random
    from datetime import timedelta

    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from platform_app.models import Plan, Tenant, TenantUsage
    from tenant_apps.accounts.models import User

    rng = random.Random(16)
    plans = list(Plan.objects.all())
    now = timezone.now()
    tenants = Tenant.objects.bulk_create(
        Tenant(
            slug=f"bench-{n:03d}", name=f"Firma Benchmark {n:03d} sp. z o.o.",
            template=rng.choice(["services", "production", "trade"]), plan=rng.choice(plans),
            status=Tenant.Status.ACTIVE, db_name=f"bench_fake_tenant_{n:03d}",
            migration_state=Tenant.MigrationState.MIGRATED, migrated_at=now,
        )
        for n in range(PLATFORM_TENANTS)
    )  # fmt: skip
    TenantUsage.objects.bulk_create(
        TenantUsage(
            tenant=tenant, users=rng.randint(1, 40), customers=rng.randint(0, 20_000),
            orders_this_month=rng.randint(0, 3_000), db_size_bytes=rng.randint(9, 900) * 2**20,
            last_activity_at=now - timedelta(minutes=rng.randint(0, 10_000)),
            last_backup_at=now - timedelta(hours=rng.randint(0, 48)),
            undelivered_events=rng.randint(0, 3), failed_deliveries=rng.randint(0, 1),
            gathered_at=now - timedelta(minutes=rng.randint(0, 15)),
        )
        for tenant in tenants
    )  # fmt: skip
    admin = User.objects.create_superuser(PLATFORM_ADMIN, PASSWORD, name="Bench ops")
    TOTPDevice.objects.create(user=admin, name="bench", key=PLATFORM_TOTP_KEY, confirmed=True)


def long_order() -> None:
    """An order of LONG_ORDER_LINES lines for the order detail and its PDF, made through
    the service as the line editor would (the seed's orders have 1-8 lines)."""
    from decimal import Decimal

    from dockpulse.actors import SYSTEM
    from dockpulse.tenancy import tenant_context
    from tenant_apps.customers.models import Customer
    from tenant_apps.products.models import Product
    from tenant_apps.sales import services as sales

    with tenant_context(SLUG):
        customer = Customer.objects.exclude(nip="").order_by("name").first()
        products = Product.objects.filter(is_active=True).order_by("code")[:LONG_ORDER_LINES]
        lines = tuple(
            sales.LineInput(
                product=product, description=product.name, quantity=Decimal(1 + n % 7),
                unit=product.unit, unit_price=product.price, discount=Decimal(n % 3 * 5),
                vat_rate=product.vat_rate,
            )
            for n, product in enumerate(products)
        )  # fmt: skip
        assert customer is not None and len(lines) == LONG_ORDER_LINES
        sales.order_create(
            values=sales.OrderInput(customer=customer, lines=lines, notes="bench: long order"),
            actor=SYSTEM,
        )


def portal_customer() -> None:
    """The seed's customer with many orders, topped up to PORTAL_ORDERS orders through the
    service (mixed statuses, as a customer's history is), with portal access: a password
    set as the customer would have chosen it (no SMS, no forced change)."""
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password

    from dockpulse.actors import SYSTEM
    from dockpulse.tenancy import tenant_context
    from tenant_apps.customers.models import Customer
    from tenant_apps.products.models import Product
    from tenant_apps.sales import services as sales
    from tenant_apps.sales.models import Order

    with tenant_context(SLUG):
        customer = Customer.objects.get(pk=heavy_customer_id())
        products = list(Product.objects.filter(is_active=True).order_by("code")[:20])
        have = Order.objects.filter(customer=customer).count()
        for n in range(max(0, PORTAL_ORDERS - have)):
            lines = tuple(
                sales.LineInput(
                    product=product, description=product.name, quantity=Decimal(1 + k),
                    unit=product.unit, unit_price=product.price, discount=Decimal(0),
                    vat_rate=product.vat_rate,
                )
                for k, product in enumerate(products[n % 17 : n % 17 + 1 + n % 4])
            )  # fmt: skip
            order = sales.order_create(
                values=sales.OrderInput(customer=customer, lines=lines, notes="bench: portal"),
                actor=SYSTEM,
            )
            if n % 3 == 0:
                sales.order_transition(order=order, to="confirmed", actor=SYSTEM)
        Customer.objects.filter(pk=customer.pk).update(
            is_portal_active=True, portal_password=make_password(PORTAL_PASSWORD),
            portal_first_login=False,
        )  # fmt: skip


def heavy_customer_id() -> str:
    """The customer seed_demo made with many orders (named in its marker event)."""
    from dockpulse.events.models import EventLog

    marker = EventLog.objects.filter(entity_type="demo_data").values_list("payload", flat=True)
    payload = marker.first() or {}
    return str(payload["heavy_customer"]["id"])


# --- the client --------------------------------------------------------------------------


@dataclass
class Session:
    port: int
    host: str = HOST
    cookies: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body or None, headers=sent)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = None
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        if response.headers.get("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, dict(response.headers), data

    def login(self) -> None:
        status, _headers, page = self.request("GET", "/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"login page: {status}")
        form = urlencode({"csrfmiddlewaretoken": match.group(1).decode(), "username": ADMIN,
                          "password": PASSWORD, "next": "/"})  # fmt: skip
        referer = {"Referer": f"http://{HOST}:{self.port}/login/"}
        status, _headers, _page = self.request("POST", "/login/", form, referer)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login failed: {status}")

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str]]:
        """GET a form page for its CSRF token, POST `fields` to it."""
        status, _headers, page = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"{path}: {status}")
        body = urlencode({"csrfmiddlewaretoken": match.group(1).decode(), **fields})
        referer = {"Referer": f"http://{self.host}:{self.port}{path}"}
        status, headers, _page = self.request("POST", path, body, referer)
        return status, headers

    def platform_login(self) -> None:
        """Password, then a TOTP code from the bench admin's secret: a verified session."""
        from django_otp.oath import totp

        status, headers = self.form("/login/", {"username": PLATFORM_ADMIN, "password": PASSWORD})
        # A 302 to "/", which sends a password-only session on to /login/code/.
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"platform login failed: {status} {headers.get('Location')}")
        code = f"{totp(bytes.fromhex(PLATFORM_TOTP_KEY)):06d}"
        status, headers = self.form("/login/code/", {"code": code, "next": "/"})
        if status != 302 or headers.get("Location") != "/":
            raise RuntimeError(f"platform code refused: {status} {headers.get('Location')}")

    def portal_login(self, phone: str) -> None:
        status, _headers, page = self.request("GET", "/portal/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"portal login page: {status}")
        form = urlencode({"csrfmiddlewaretoken": match.group(1).decode(), "phone": phone,
                          "password": PORTAL_PASSWORD})  # fmt: skip
        referer = {"Referer": f"http://{HOST}:{self.port}/portal/login/"}
        status, _headers, _page = self.request("POST", "/portal/login/", form, referer)
        if status != 302 or "dockpulse_portal" not in self.cookies:
            raise RuntimeError(f"portal login failed: {status}")


@dataclass
class Page:
    key: str
    label: str
    kind: str  # dashboard | list | search (which target applies)
    paths: list[str]
    htmx: bool = False
    body: str = ""  # a POST's form body (then every path is POSTed)
    requests: int | None = None  # fewer than --requests (the PDF)
    times: list[float] = field(default_factory=list)
    by_path: dict[str, list[float]] = field(default_factory=dict)


def measure(session: Session, page: Page, warmup: int, requests: int) -> None:
    headers = {"HX-Request": "true"} if page.htmx else {}
    method = "POST" if page.body else "GET"
    if page.body:
        headers["X-CSRFToken"] = session.cookies.get("csrftoken", "")
    requests = min(requests, page.requests or requests)
    warmup = min(warmup, requests)
    for number in range(warmup + requests):
        path = page.paths[number % len(page.paths)]
        started = time.perf_counter()
        status, _headers, body = session.request(method, path, page.body, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"{page.label} {path}: HTTP {status}: {body[:200]!r}")
        if number >= warmup:
            page.times.append(elapsed)
            page.by_path.setdefault(path, []).append(elapsed)


def start_gunicorn(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "dockpulse.wsgi", "--workers", str(WORKERS),
         "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "app.localhost"})
            if conn.getresponse().status == 200:
                return process, port
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            terminate(process)
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.1)


def targets_of(platform_db: str, tenant_prefix: str) -> Targets:
    """The customer the seed made with ~200 orders, the commonest surname (to search
    for), a line of the tenant's row counts, and the long order with its editor form."""
    with psycopg.connect(db_url(f"{tenant_prefix}{SLUG}")) as conn:
        # seed_demo names its customer with many orders in its marker event.
        marked = conn.execute(
            "SELECT payload -> 'heavy_customer' ->> 'id' FROM event_log"
            " WHERE entity_type = 'demo_data' LIMIT 1"
        ).fetchone()
        row = conn.execute(
            "SELECT customer_id, count(*) FROM orders"
            " WHERE %s::uuid IS NULL OR customer_id = %s::uuid"
            " GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            [marked[0] if marked else None] * 2,
        ).fetchone()
        assert row is not None, "no orders: was the tenant seeded?"
        surname = conn.execute(
            "SELECT regexp_replace(name, '^.* ', ''), count(*) FROM customers GROUP BY 1"
            " ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM products),"
            " (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines),"
            " (SELECT count(*) FROM stock_movements), (SELECT count(*) FROM customer_timeline)"
        ).fetchone()
        long_id = conn.execute(
            "SELECT id FROM orders WHERE notes = 'bench: long order' LIMIT 1"
        ).fetchone()
        assert long_id is not None, "no long order: was the tenant set up by this bench?"
        portal = conn.execute(
            "SELECT c.phone, count(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id"
            " WHERE c.is_portal_active AND c.portal_password <> '' GROUP BY 1"
            " ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
        assert portal is not None, "no portal customer: was the tenant set up by this bench?"
        lines = conn.execute(
            "SELECT product_id, description, quantity, unit, unit_price, discount, vat_rate"
            " FROM order_lines WHERE order_id = %s ORDER BY position",
            [long_id[0]],
        ).fetchall()
    assert surname is not None and counts is not None
    line = ("{} customers, {} products, {} orders, {} order lines, {} stock movements, "
            "{} timeline entries").format(*counts)  # fmt: skip
    return Targets(str(row[0]), str(surname[0]), int(row[1]), line, str(long_id[0]),
                   editor_body(lines), str(portal[0]), int(portal[1]))  # fmt: skip


@dataclass(frozen=True)
class Targets:
    heavy_customer: str
    surname: str
    heavy_orders: int
    data: str
    long_order: str
    editor_body: str
    portal_phone: str
    portal_orders: int


def editor_body(lines: list[tuple[object, ...]]) -> str:
    """The line editor's form as the browser posts it on a keystroke: each row's key in
    `line`, its fields as `line-<key>-<field>`."""
    fields = ("product", "description", "quantity", "unit", "unit_price", "discount", "vat_rate")
    form: list[tuple[str, str]] = []
    for number, values in enumerate(lines, start=1):
        key = f"k{number}"
        form.append(("line", key))
        pairs = zip(fields, values, strict=True)
        form += [(f"line-{key}-{name}", str(value)) for name, value in pairs]
    return urlencode(form)


def report(pages: list[Page], facts: dict[str, str], what: str) -> str:
    rows = []
    for page in pages:
        p50, p95 = percentile(page.times, 0.5), percentile(page.times, 0.95)
        target = TARGETS[page.kind]
        rows.append((page.label, page.paths[0] + (" ..." if len(page.paths) > 1 else ""),
                     f"{p50:.1f}", f"{p95:.1f}", f"{max(page.times):.1f}", f"<= {target:.0f}",
                     "ok" if p95 <= target else "OVER"))  # fmt: skip
    header = (
        f"{what} "
        f"gunicorn {WORKERS} sync workers, sequential requests; "
        f"nproc={facts['nproc']}, PostgreSQL {facts['postgresql']}. Milliseconds."
    )
    out = header + "\n\n" + table(("page", "URL", "p50", "p95", "max", "p95 target", ""), rows)
    for page in pages:
        if len(page.by_path) > 1:
            detail = [
                (
                    path,
                    len(times),
                    f"{percentile(times, 0.5):.1f}",
                    f"{percentile(times, 0.95):.1f}",
                )
                for path, times in page.by_path.items()
            ]
            out += f"\n\n{page.label}, per query:\n\n"
            out += table(("URL", "requests", "p50", "p95"), detail)
    return out


def measure_tenant(
    port: int, platform_db: str, tenant_prefix: str, warmup: int, requests: int
) -> tuple[list[Page], str]:
    """The staff panel's and the portal's pages on the large tenant."""
    targets = targets_of(platform_db, tenant_prefix)
    heavy_id, surname, heavy_orders, data = (
        targets.heavy_customer,
        targets.surname,
        targets.heavy_orders,
        targets.data,
    )
    long_order = targets.long_order
    session = Session(port)
    session.login()
    tenant_pages = [
        Page("dashboard", "dashboard", "dashboard", ["/"]),
        Page("list", "customer list", "list", ["/customers/"]),
        Page("list_search", "list search", "list", [f"/customers/?q={quote(surname)}"]),
        Page("list_filter", "list filter", "list", ["/customers/?tag=VIP"]),
        Page("detail", "customer detail", "list", [f"/customers/{heavy_id}/"]),
        Page("detail_orders", "its orders fragment", "list",
             [f"/orders/for-customer/{heavy_id}/"], htmx=True),
        Page("search", "search as you type", "search",
             [f"/search/?q={quote(typed)}" for typed in TYPED], htmx=True),
        Page("order_list", "order list", "list", ["/orders/"]),
        Page("order_list_status", "order list, a tab", "list", ["/orders/?status=delivered"]),
        Page("order_detail", "order detail, 50 lines", "list", [f"/orders/{long_order}/"]),
        Page("recompute", "line editor recompute, 50 lines", "recompute",
             ["/sales/editor/recompute/"], htmx=True, body=targets.editor_body),
        Page("order_pdf", "order PDF, 50 lines", "pdf", [f"/orders/{long_order}/pdf/"],
             requests=40),
    ]  # fmt: skip
    portal = Session(port)
    portal.portal_login(targets.portal_phone)
    portal_pages = [
        Page("portal_home", "portal home", "portal", ["/portal/"]),
        Page("portal_orders", "portal order list", "portal",
             ["/portal/orders/", "/portal/orders/?status=all&page=10"]),
    ]  # fmt: skip
    for page in tenant_pages:
        measure(session, page, warmup, requests)
        print(f"  {page.label}: p95 {percentile(page.times, 0.95):.1f} ms", flush=True)
    for page in portal_pages:
        measure(portal, page, warmup, requests)
        print(f"  {page.label}: p95 {percentile(page.times, 0.95):.1f} ms", flush=True)
    what = (
        f"Pages on a large demo tenant ({data}; the detail's customer has {heavy_orders} "
        f"orders, the portal's customer {targets.portal_orders} orders)."
    )
    return [*tenant_pages, *portal_pages], what


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--scale", default="1", help="a fraction of the large size (quick runs)")
    parser.add_argument("--keep", action="store_true", help="keep the databases for --reuse")
    parser.add_argument("--reuse", metavar="PLATFORM_DB:TENANT_PREFIX",
                        help="measure a setup kept by --keep")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    parser.add_argument("--only", choices=["all", "platform"], default="all",
                        help="platform: the tenants list alone (no large tenant)")  # fmt: skip
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup is not None:
        setup(args.setup, args.only)
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run = f"{os.getpid()}"
    if args.reuse:
        platform_db, tenant_prefix = args.reuse.split(":", 1)
    else:
        platform_db, tenant_prefix = f"dockpulse_bench_pages_{run}", f"bench_t_g{run}_"
    env = django_env(platform_db, tenant_prefix, SESSION_COOKIE_SECURE="0")
    facts = server_facts()
    gunicorn = None
    keep = args.keep or bool(args.reuse)
    try:
        if not args.reuse:
            create_database(platform_db)
            print(f"setup: {PLATFORM_TENANTS} platform tenant rows"
                  + ("" if args.only == "platform" else
                     f", tenant {SLUG}, seed_demo --size large --scale {args.scale}") + " ...",
                  flush=True)  # fmt: skip
            subprocess.run([PYTHON, __file__, "--setup", args.scale, "--only", args.only],
                           env=env, cwd=ROOT, check=True, timeout=3600)  # fmt: skip
            with psycopg.connect(db_url("postgres"), autocommit=True) as conn:
                conn.execute("CHECKPOINT")  # the seed's WAL, flushed before measuring
        gunicorn, port = start_gunicorn(env)
        platform = Session(port, host=PLATFORM_HOST)
        platform.platform_login()
        platform_pages = [
            Page("platform_tenants", "platform tenants list", "platform", ["/"]),
            Page("platform_tenants_query", "platform tenants, page/search/filter", "platform",
                 ["/?page=5", "/?q=bench-1", "/?status=active&plan=business"]),
        ]  # fmt: skip
        for page in platform_pages:
            measure(platform, page, args.warmup, args.requests)
            print(f"  {page.label}: p95 {percentile(page.times, 0.95):.1f} ms", flush=True)
        what = f"The platform's tenants list with {PLATFORM_TENANTS} tenant rows (+ TenantUsage)."
        pages = list(platform_pages)
        if args.only != "platform":
            tenant_pages, tenant_what = measure_tenant(
                port, platform_db, tenant_prefix, args.warmup, args.requests
            )
            pages, what = [*tenant_pages, *pages], f"{tenant_what} {what}"
    finally:
        terminate(gunicorn)
        if keep:
            print(f"kept: --reuse {platform_db}:{tenant_prefix}", flush=True)
        else:
            dropped = drop_databases([platform_db, tenant_prefix])
            delete_redis_keys([f"dockpulse:{platform_db}*"])
            print(f"cleanup: dropped {len(dropped)} database(s)", flush=True)
    return _finish(pages, facts, what, args.json)


def _finish(pages: list[Page], facts: dict[str, str], what: str, json_path: Path | None) -> int:
    print()
    print(report(pages, facts, what))
    if json_path:
        raw = {page.key: page.by_path for page in pages}
        json_path.write_text(json.dumps({"facts": facts, "data": what, "ms": raw}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
