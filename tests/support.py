"""What the test modules share: constants, API clients per tenant host, the error shape,
signed-in browser sessions, other processes on this run's databases, and the small
sales/stock steps several suites take. Fixtures are in conftest.py, model factories in
tests/factories/. A test module imports helpers from here, never from another test module.
"""

from __future__ import annotations

import email
import email.policy
import html as markup
import json
import os
import re
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings
from django.db import connections
from django.db.models import Sum
from django.test import Client
from rest_framework.test import APIClient

from dockpulse.actors import SYSTEM, staff_actor
from dockpulse.events.handlers import get_handler
from dockpulse.events.models import EventLog
from dockpulse.tenancy import TenantInfo, dbadmin, tenant_context
from dockpulse.tenancy import connections as tenant_connections
from dockpulse.tenancy.registry import registry
from platform_app.models import Tenant, TenantAuditLog
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import user_create
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import customer_create
from tenant_apps.products.inputs import product_input
from tenant_apps.products.models import Product
from tenant_apps.products.services import product_create
from tenant_apps.sales import services as sales
from tenant_apps.sales.inputs import order_input
from tenant_apps.stock import services as stock
from tenant_apps.stock.inputs import clean_operation
from tenant_apps.stock.models import StockLevel, StockMovement, Warehouse

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

ROOT = Path(__file__).resolve().parent.parent
# Every user the suite signs in as has this password (the shared tenants' admins too).
TEST_PASSWORD = "Correct-Horse-42"
TENANT_A_HOST = "tenant-a.localhost"
TENANT_A_ADMIN = "admin@tenant-a.example.com"


def host_of(tenant: TenantInfo) -> str:
    return f"{tenant.slug}.localhost"


# --- other processes on this run's databases ---------------------------------------------


def database_url_for_tests() -> str:
    entry = connections.settings["default"]
    host = entry.get("HOST") or ""
    auth = quote(entry.get("USER") or "", safe="")
    if entry.get("PASSWORD"):
        auth += ":" + quote(entry["PASSWORD"], safe="")
    port = f":{entry['PORT']}" if entry.get("PORT") and not host.startswith("/") else ""
    return f"postgresql://{auth}@{quote(host, safe='')}{port}/{entry['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for another process that must see this run's test databases.

    Its e-mail goes to files in EMAIL_FILE_PATH (a folder of this run under var/) and its
    SMS to SMS_FILE_PATH in the same folder, where a test reads what the other process
    sent (`mails_to`, `texts_to`).
    """
    env = dict(os.environ)
    mail = ROOT / "var" / "test-mail" / f"{settings.TENANT_DB_PREFIX}{os.getpid()}"
    env.update(
        DATABASE_URL=database_url_for_tests(),
        TENANT_DB_PREFIX=settings.TENANT_DB_PREFIX,
        DJANGO_SECRET_KEY="test-subprocess-secret-key-0123456789-abcdefghijklmnop",
        DJANGO_DEBUG="0",
        # Same fast password hasher as this process, so users created here log in there.
        DOCKPULSE_TESTING="1",
        PYTHONUNBUFFERED="1",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail),
        SMS_BACKEND="file",
        SMS_FILE_PATH=str(mail / "sms.jsonl"),
    )
    env.update(extra)
    return env


def mails_to(address: str) -> list[EmailMessage]:
    """The messages another process of this run (subprocess_env: the browser tests'
    server) wrote to its mail folder for `address`; the file backend writes each message
    followed by a line of 79 dashes."""
    folder = Path(subprocess_env()["EMAIL_FILE_PATH"])
    found: list[EmailMessage] = []
    for path in sorted(folder.glob("*.log")):
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            if address in str(message["To"]):
                found.append(message)
    return found


def texts_to(phone: str) -> list[str]:
    """The SMS bodies another process of this run sent to `phone` (E.164), oldest first
    (the file backend writes one JSON line per message)."""
    path = Path(subprocess_env()["SMS_FILE_PATH"])
    if not path.exists():
        return []
    sent = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [str(message["body"]) for message in sent if message["to"] == phone]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`manage.py <args>` in another process, on this run's databases."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=subprocess_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_exists(name: str) -> bool:
    """Whether the server has a database of this name (outside the connection set)."""
    with dbadmin.admin_connection() as conn:
        return dbadmin.database_exists(conn, name)


def child_pids(pid: int) -> set[int]:
    """The pids of a process's children (gunicorn's workers, a Celery pool), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
            ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        if ppid == pid:
            found.add(int(entry.name))
    return found


def destroy_tenant(slug: str) -> None:
    """Test cleanup: drop a tenant's database and its platform rows."""
    destroy_tenants([slug])


def destroy_tenants(slugs: list[str]) -> None:
    """Test cleanup of several tenants. Their databases are dropped side by side: each DROP
    DATABASE waits for a checkpoint, and drops that wait together share one."""
    names = {
        slug: Tenant.objects.filter(slug=slug).values_list("db_name", flat=True).first()
        or dbadmin.tenant_db_name(slug)
        for slug in slugs
    }
    for slug in slugs:
        tenant_connections.forget(f"tenant_{slug}")

    def drop(name: str) -> Exception | None:
        try:
            with dbadmin.admin_connection() as conn:
                dbadmin.drop_database(conn, name)
        except Exception as exc:
            return exc
        return None

    with ThreadPoolExecutor(max_workers=min(8, len(names) or 1)) as pool:
        failures = dict(zip(names, pool.map(drop, names.values()), strict=True))
    # The rows of every dropped tenant go even when another drop failed: a row left behind
    # would send later sweeps and wake-ups to a database that is gone.
    dropped = [slug for slug, failure in failures.items() if failure is None]
    TenantAuditLog.objects.filter(tenant_slug__in=dropped).delete()
    Tenant.objects.filter(slug__in=dropped).delete()
    for slug in dropped:
        registry.forget(slug)
    for failure in failures.values():
        if failure is not None:
            raise failure


# --- the API -----------------------------------------------------------------------------


def api(host: str = TENANT_A_HOST) -> APIClient:
    """An anonymous API client for one host."""
    return APIClient(HTTP_HOST=host)


def tokens(host: str = TENANT_A_HOST, email: str = TENANT_A_ADMIN) -> dict[str, str]:
    """A staff token pair from the login endpoint."""
    response = api(host).post(
        "/api/v1/auth/token/", {"email": email, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    data: dict[str, str] = response.json()
    return data


def bearer(access: str, host: str = TENANT_A_HOST) -> APIClient:
    client = api(host)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def staff_user(tenant: TenantInfo, role: str = "manager") -> User:
    """`<role>@<slug>.example.com`, made through the accounts service the first time."""
    email = f"{role}@{tenant.slug}.example.com"
    with tenant_context(tenant):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(email=email, name=role.title(), password=TEST_PASSWORD, role=role)
        return user


def client_for(tenant: TenantInfo, role: str = "admin", host: str | None = None) -> APIClient:
    """An API client signed in (a staff JWT) as the tenant's user of `role`."""
    staff_user(tenant, role)
    client = APIClient(HTTP_HOST=host or host_of(tenant))
    pair = client.post(
        "/api/v1/auth/token/",
        {"email": f"{role}@{tenant.slug}.example.com", "password": TEST_PASSWORD},
        format="json",
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    return client


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The one error shape, `{"error": {"code", "message", "fields"}}`; returns its body."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code, body
    error: dict[str, Any] = body["error"]
    return error


def fields_of(response: Any) -> dict[str, Any]:
    """The per-field messages of a 400."""
    assert response.status_code == 400, response.content
    fields: dict[str, Any] = response.json()["error"]["fields"]
    return fields


def new_user(**overrides: Any) -> dict[str, Any]:
    """A valid body for POST /api/v1/users/."""
    payload = {
        "email": "new.person@example.com",
        "name": "New Person",
        "role": "employee",
        "password": "New-Person-Pass-1",
    }
    payload.update(overrides)
    return payload


# --- pages -------------------------------------------------------------------------------


def login_page(host: str, email: str, password: str, **extra: Any) -> tuple[Client, TestResponse]:
    """Post the login page of `host`; the client keeps the session cookie it got."""
    client = Client(HTTP_HOST=host, **extra)
    response = client.post("/login/", {"username": email, "password": password})
    return client, response


def browser_login(
    email: str = TENANT_A_ADMIN, password: str = TEST_PASSWORD, host: str = TENANT_A_HOST
) -> Client:
    """A test client signed in through the login page, with a session as a browser has."""
    client, response = login_page(host, email, password)
    assert response.status_code == 302, response.content
    return client


def panel_client(tenant: TenantInfo, role: str = "admin") -> Client:
    """A browser-like client signed in to the tenant's staff panel as its user of `role`
    (`<role>@<slug>.example.com`), through the login page."""
    staff_user(tenant, role)
    return browser_login(f"{role}@{tenant.slug}.example.com", TEST_PASSWORD, host_of(tenant))


# --- reading panel pages ----------------------------------------------------------------


def html(response: Any) -> str:
    return str(response.content.decode())


def token_of(preview: str) -> str:
    """The upload's token a valid CSV preview's "Confirm import" posts."""
    match = re.search(r'name="token" value="([^"]+)"', preview)
    assert match, preview
    return match.group(1)


def field_errors(page: str, name: str) -> str:
    """The text of the error list rendered with the field `name` (panel/field.html)."""
    match = re.search(
        rf'<div class="field[^"]*">(?:(?!<div class="field).)*?id="id_{name}(?:_0)?"'
        rf'(?:(?!<div class="field).)*?(<ul class="errorlist"[^>]*>.*?</ul>)',
        page,
        re.S,
    )
    return markup.unescape(match.group(1)) if match else ""


# --- sales and stock ---------------------------------------------------------------------

# Stock's handler of each order event.
HANDLER_OF = {
    "order.created": "stock.reserve",
    "entity.updated": "stock.resync",
    "order.cancelled": "stock.release",
    "order.shipped": "stock.consume",
}
STOCK_URLS = ["/api/v1/stock/levels/", "/api/v1/stock/movements/", "/api/v1/warehouses/"]


def seed(tenant: TenantInfo) -> dict[str, Any]:
    """A customer and three products in `tenant`, made through the services (with their
    events), or found when an earlier call of the same test made them."""
    with tenant_context(tenant):
        customer = Customer.objects.filter(phone="+48601234567").first() or customer_create(
            values=customer_input({
                "name": "Anna Kowalska", "phone": "601 234 567", "email": "anna@example.com",
                "address": {"street": "Długa 5", "postal_code": "00-001", "city": "Warszawa"}}),
            actor=SYSTEM,
        )  # fmt: skip
        products: dict[str, Product] = {}
        for code, price, vat, unit in (
            ("P1", "19.99", "23", "szt"), ("P2", "4.10", "5", "kg"), ("P3", "0.05", "zw", "szt"),
        ):  # fmt: skip
            products[code] = Product.objects.filter(code=code).first() or product_create(
                values=product_input({"code": code, "name": f"Product {code}", "price": price,
                                      "vat_rate": vat, "unit": unit}),
                actor=SYSTEM,
            )  # fmt: skip
    return {"customer": customer, **products}


def order_body(data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An API body for an order of `seed()`'s customer: two of P1."""
    return {
        "customer": str(data["customer"].id),
        "lines": [{"product": str(data["P1"].id), "quantity": "2"}],
        **extra,
    }


def quote_body(data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An API body for a quote of `seed()`'s customer: ten of P1 and two hours of work."""
    return {
        "customer": str(data["customer"].id),
        "lines": [
            {"product": str(data["P1"].id), "quantity": "10", "discount": "5"},
            {"description": "Installation", "quantity": "2", "unit": "h", "unit_price": "150"},
        ],
        **extra,
    }


def make_order(tenant: TenantInfo, data: dict[str, Any], *lines: tuple[Any, str], **kw: Any) -> Any:
    """An order through the sales service; lines are (product or description, quantity)."""
    body: list[dict[str, Any]] = []
    for what, quantity in lines:
        if isinstance(what, Product):
            body.append({"product": what.id, "quantity": quantity})
        else:
            body.append({"description": what, "quantity": quantity, "unit_price": "1"})
    actor = kw.get("actor")
    with tenant_context(tenant):
        return sales.order_create(
            values=order_input({"customer": data["customer"].id, "lines": body}),
            actor=SYSTEM if actor is None else staff_actor(actor),
        )


def move(tenant: TenantInfo, order: Any, *statuses: str, actor: Any = None) -> Any:
    """Take the order through `statuses` with the sales service (shipping gets a number)."""
    with tenant_context(tenant):
        for status in statuses:
            order = sales.order_transition(
                order=order, to=status, actor=actor or SYSTEM,
                tracking_number="TRACK-1" if status == "shipped" else "",
            )  # fmt: skip
    return order


def handle(tenant: TenantInfo, order: Any, event_type: str = "order.created") -> None:
    """Run stock's handler of the order's latest `event_type` event, as the bus would."""
    with tenant_context(tenant):
        event = (
            EventLog.objects.filter(entity_id=getattr(order, "id", order), event_type=event_type)
            .order_by("-created_at")
            .first()
        )
        assert event is not None, event_type
        get_handler(HANDLER_OF[event_type]).func(event)


def receive(tenant: TenantInfo, product: Product, quantity: str, **kw: Any) -> StockMovement:
    """Goods in, through the stock service (the default warehouse unless told)."""
    with tenant_context(tenant):
        op = clean_operation(
            product=product, quantity=quantity, reason=kw.pop("reason", "delivery"), signed=False,
            **kw,
        )  # fmt: skip
        return stock.stock_receive(
            product=op.product, warehouse=op.warehouse, quantity=op.quantity, reason=op.reason,
            reference=op.reference, actor=SYSTEM,
        )  # fmt: skip


def level_of(
    tenant: TenantInfo, product: Product, warehouse: Warehouse | None = None
) -> StockLevel:
    with tenant_context(tenant):
        warehouse = warehouse or Warehouse.objects.get(is_default=True)
        return StockLevel.objects.get(product=product, warehouse=warehouse)


def numbers(level: StockLevel) -> tuple[Decimal, Decimal, Decimal]:
    return level.on_hand, level.reserved, level.available


def assert_books_balance(tenant: TenantInfo) -> None:
    """For every level: the ledger sums to on_hand and reserved, and the active
    reservations sum to reserved."""
    with tenant_context(tenant):
        for level in StockLevel.objects.all():
            ledger = level.movements.aggregate(
                on_hand=Sum("on_hand_change"), reserved=Sum("reserved_change")
            )
            held = level.reservations.filter(status="active").aggregate(q=Sum("quantity"))["q"]
            assert (ledger["on_hand"] or 0) == level.on_hand, level
            assert (ledger["reserved"] or 0) == level.reserved, level
            assert (held or 0) == level.reserved, level
