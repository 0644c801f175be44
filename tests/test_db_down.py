"""A database that does not answer (issue 18, item 3; the chaos test
tests/chaos/test_postgres_restart.py restarts a real server): pages get the plain 503
page, the API its error shape with the code `unavailable`, both with Retry-After; the log
has one line with the cause and no traceback; a connection that broke mid-request is
closed by the end of it, so the next request reconnects.

These tests commit, on a tenant of their own, because they break its connections.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connections
from django.test import Client

from dockpulse.outages import database_unavailable
from dockpulse.tenancy import dbadmin
from dockpulse.tenancy.registry import registry
from tests.support import assert_error, client_for, host_of, html, panel_client

ANSWERED = "database unavailable, answered 503"


@contextmanager
def unreachable(alias: str) -> Iterator[None]:
    """The alias's server "gone": its connection closed and pointed at a port nobody
    listens on, as during a restart (connection refused)."""
    conn = connections[alias]
    conn.close()
    saved = conn.settings_dict["HOST"], conn.settings_dict["PORT"]
    conn.settings_dict["HOST"], conn.settings_dict["PORT"] = "127.0.0.1", "1"
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict["HOST"], conn.settings_dict["PORT"] = saved


def quiet(client: Client) -> Client:
    """The test client re-raises an exception Django turned into a response (here: one
    raised in a middleware, such as the session's load); a browser gets the response."""
    client.raise_request_exception = False
    return client


def assert_unavailable_page(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = html(response)
    assert "Temporarily unavailable" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert 'class="sidenav"' not in page  # the plain page: no menu that needs the database


def test_the_api_and_the_pages_answer_503_while_the_tenant_database_is_down(fresh_tenant, caplog):
    api = client_for(fresh_tenant, "manager")
    panel = quiet(panel_client(fresh_tenant, "manager"))
    with unreachable(fresh_tenant.alias), caplog.at_level(logging.WARNING):
        refused = api.get("/api/v1/customers/")
        page = panel.get("/customers/")
    error = assert_error(refused, 503, "unavailable")
    assert error["message"] == "The service is temporarily unavailable; try again in a few seconds."
    assert refused["Retry-After"] == "5"
    assert_unavailable_page(page)
    # One line per request, with the cause; Django's own 5xx line is not repeated.
    lines = [r for r in caplog.records if r.name == "dockpulse.web.unavailable"]
    assert [r.getMessage().split(":")[0] for r in lines] == [ANSWERED] * 2
    assert all("Connection refused" in r.getMessage() and r.exc_info is None for r in lines)
    assert not [r for r in caplog.records if r.name == "django.request"]
    # The server is back: the same clients are served again.
    assert api.get("/api/v1/customers/").status_code == 200
    assert panel.get("/customers/").status_code == 200


def test_the_page_is_in_the_visitors_language(fresh_tenant):
    panel = quiet(panel_client(fresh_tenant, "manager"))
    with unreachable(fresh_tenant.alias):
        page = panel.get("/customers/", HTTP_ACCEPT_LANGUAGE="pl")
    assert page.status_code == 503
    assert 'lang="pl"' in html(page)


def test_a_platform_database_down_during_the_tenant_lookup_is_a_503_too(fresh_tenant, caplog):
    """The lookup runs in the tenant middleware, before any view: Django turns its error
    into a 500 there, which is replaced on the way out."""
    client = quiet(Client(HTTP_HOST=host_of(fresh_tenant)))
    registry.clear_local()  # a process that has not seen this tenant yet reads the platform
    with unreachable("default"), caplog.at_level(logging.WARNING):
        api = client.get("/api/v1/customers/")
        page = client.get("/login/")
    assert_error(api, 503, "unavailable")
    assert_unavailable_page(page)
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert client.get("/login/").status_code == 200
    for slug in ("tenant-a", "tenant-b"):  # warm again, as the tests after this expect
        registry.get(slug)


def test_a_connection_broken_mid_request_is_closed_and_the_next_request_reconnects(
    fresh_tenant, monkeypatch
):
    from tenant_apps.customers import selectors

    api = client_for(fresh_tenant, "manager")
    created = api.post("/api/v1/customers/", {"name": "Ola", "phone": "600 700 800"},
                       format="json")  # fmt: skip
    assert created.status_code == 201
    conn = connections[fresh_tenant.alias]
    real_list = selectors.customer_list

    def server_goes_away(**kwargs: Any) -> Any:
        # The server ends this very session (as a restart does) in the middle of the
        # request, after the authentication's queries and before the list's.
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real_list(**kwargs)

    monkeypatch.setattr(selectors, "customer_list", server_goes_away)
    assert_error(api.get("/api/v1/customers/"), 503, "unavailable")
    assert conn.connection is None, "the broken connection was kept for the next request"
    monkeypatch.setattr(selectors, "customer_list", real_list)
    listed = api.get("/api/v1/customers/")
    assert listed.status_code == 200 and listed.json()["count"] == 1


def test_a_persistent_connection_killed_between_requests_is_replaced(fresh_tenant):
    api = client_for(fresh_tenant, "manager")
    assert api.get("/api/v1/customers/").status_code == 200
    pid = connections[fresh_tenant.alias].connection.info.backend_pid
    with dbadmin.admin_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert api.get("/api/v1/customers/").status_code == 200
    assert connections[fresh_tenant.alias].connection.info.backend_pid != pid


def test_what_counts_as_unavailable():
    """Connection failures and a server shutting down or starting up are; a bad query, a
    statement timeout, a missing database or role, too many parameters or a misused cursor
    are not (those are ours, not a restart's: they must show as errors, not as a 503)."""
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(host="127.0.0.1", port=1, connect_timeout=2)
    assert database_unavailable(refused.value)
    wrapped = OperationalError("wrapped")
    wrapped.__cause__ = refused.value
    assert database_unavailable(wrapped)
    assert database_unavailable(psycopg.errors.AdminShutdown("terminating connection"))
    assert database_unavailable(psycopg.errors.TooManyConnections("too many clients"))
    assert database_unavailable(psycopg.InterfaceError("the connection is closed"))
    for message in (  # libpq's words, without a SQLSTATE
        'connection failed: connection to server at "db" (10.0.0.5), port 5432 failed: '
        "timeout expired",
        "consuming input failed: server closed the connection unexpectedly",
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        "FATAL:  the database system is starting up",
        "FATAL:  the database system is shutting down",
        "FATAL:  sorry, too many clients already",
    ):
        assert database_unavailable(psycopg.OperationalError(message)), message
    assert not database_unavailable(psycopg.errors.QueryCanceled("statement timeout"))
    assert not database_unavailable(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert not database_unavailable(psycopg.errors.UndefinedTable("no such table"))
    assert not database_unavailable(ValueError("not a database error"))
    # Real ones, from the server this suite runs on.
    conf = connections["default"].settings_dict
    params = {"host": conf["HOST"], "port": conf["PORT"] or 5432, "user": conf["USER"],
              "password": conf["PASSWORD"] or None, "dbname": "postgres"}  # fmt: skip
    for wrong in ({"dbname": "dockpulse_no_such_database"}, {"user": "dockpulse_no_such_role"}):
        with pytest.raises(psycopg.OperationalError) as fatal:
            psycopg.connect(**{**params, **wrong}, connect_timeout=5)
        assert fatal.value.sqlstate is None  # what made the old check count it
        assert not database_unavailable(fatal.value), str(fatal.value)
    with psycopg.connect(**params) as conn:
        with pytest.raises(psycopg.OperationalError) as too_many:
            conn.execute("SELECT 1 WHERE 1 IN (" + ", ".join(["%s"] * 70_000) + ")",
                         list(range(70_000)))  # fmt: skip
        assert "number of parameters" in str(too_many.value)
        assert not database_unavailable(too_many.value)
        cursor = conn.cursor()
        cursor.close()
        with pytest.raises(psycopg.InterfaceError) as closed_cursor:
            cursor.execute("SELECT 1")
        assert not database_unavailable(closed_cursor.value)


# --- tasks ---------------------------------------------------------------------------


def _unavailable() -> OperationalError:
    error = OperationalError("connection failed: Connection refused")
    error.__cause__ = psycopg.OperationalError("connection failed: Connection refused")
    return error


@pytest.mark.django_db(databases="__all__")
def test_a_tenant_task_that_finds_the_database_down_is_retried(tenant_a, monkeypatch):
    """Its transaction rolled back (the events still undispatched), so it runs again
    after a short backoff; eagerly here (apply), in a worker through the broker."""
    from dockpulse.events import delivery

    real_drain = delivery.drain
    calls: list[int] = []

    def drain_once_down() -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise _unavailable()
        return real_drain()

    monkeypatch.setattr(delivery, "drain", drain_once_down)
    result = delivery.drain_events.apply(args=[str(tenant_a.id)])
    assert result.successful(), result.traceback
    assert len(calls) == 2
    assert set(result.get()) == {"events", "done", "queued"}  # the drain's own answer


@pytest.mark.django_db(databases="__all__")
def test_other_errors_are_not_retried(tenant_a, monkeypatch):
    from dockpulse.events import delivery

    def broken() -> Any:
        raise psycopg.errors.UndefinedTable("relation event_log does not exist")

    monkeypatch.setattr(delivery, "drain", broken)
    result = delivery.drain_events.apply(args=[str(tenant_a.id)])
    assert result.failed()
    assert isinstance(result.result, psycopg.errors.UndefinedTable)


@pytest.mark.django_db
def test_a_periodic_run_without_its_database_is_skipped_with_one_line(monkeypatch, caplog):
    """Beat's next period does the same work: no traceback per period during a restart."""
    from dockpulse.events import tasks

    def down(*args: Any) -> int:
        raise _unavailable()

    monkeypatch.setattr(tasks, "fan_out", down)
    with caplog.at_level(logging.WARNING, logger="dockpulse.tasks"):
        result = tasks.sweep_all.apply()
    assert result.successful() and result.get() is None
    assert "events.sweep skipped: database unavailable" in caplog.text
    with pytest.raises(OperationalError):
        tasks.sweep_all()  # called directly (a test, a shell): the error stands


@pytest.mark.django_db
def test_only_the_periodic_tasks_skip_a_run_without_their_database(monkeypatch):
    """Review LOW 9: the skip is opt-in. Every beat task that reads the database has it; a
    task without it (here "Refresh figures"' task) fails visibly instead of a silent None."""
    from django.conf import settings

    from dockpulse.celery import PeriodicTask, app
    from platform_app.tasks import usage

    app.loader.import_default_modules()  # every app's tasks, as a worker registers them
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    skipping = {name for name in beat if isinstance(app.tasks[name], PeriodicTask)}
    # The heartbeat touches only Redis; the usage task is also the button's.
    assert beat - skipping == {"platform.worker_heartbeat", "platform.usage_gather_all"}

    def down() -> int:
        raise _unavailable()

    monkeypatch.setattr(usage, "usage_gather_all", down)
    result = usage.usage_gather_all_task.apply()
    assert result.failed() and isinstance(result.result, OperationalError)


def _export(tenant: Any, **values: Any) -> Any:
    from dockpulse.tenancy import tenant_context
    from tenant_apps.reports.models import ReportExport
    from tests.support import staff_user

    user = staff_user(tenant, "manager")
    with tenant_context(tenant):
        return ReportExport.objects.create(
            report="funnel", format="csv", requested_by=user, requested_email=user.email,
            file_name="funnel.csv", **values,
        )  # fmt: skip


@pytest.mark.django_db(databases="__all__")
def test_an_export_whose_database_went_away_mid_run_is_written_by_the_retry(tenant_a, monkeypatch):
    """Review HIGH 3: not marked failed, nobody mailed "export failed (OperationalError)";
    the task's retry takes its own claim back (the row is "running" and young) and writes
    the file."""
    from django.core import mail

    from dockpulse.tenancy import tenant_context
    from tenant_apps.reports.exports import services
    from tenant_apps.reports.tasks import export_run

    job = _export(tenant_a)
    real_write = services._write
    calls: list[int] = []

    def write_once_down(job: Any) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise _unavailable()
        return real_write(job)

    monkeypatch.setattr(services, "_write", write_once_down)
    result = export_run.apply(args=[str(tenant_a.id), str(job.pk)])
    assert result.successful(), result.traceback
    assert result.get() == "done" and len(calls) == 2
    with tenant_context(tenant_a):
        job.refresh_from_db()
    assert job.status == "done" and job.error == "" and job.file
    assert len(mail.outbox) == 1 and "failed" not in mail.outbox[0].subject.lower()


@pytest.mark.django_db(databases="__all__")
def test_only_a_later_attempt_of_the_same_task_takes_a_young_claim_back(tenant_a):
    from django.utils import timezone

    from dockpulse.tenancy import tenant_context
    from tenant_apps.reports.exports.services import report_export_run

    job = _export(tenant_a, status="running", started_at=timezone.now(), run_token="task-1:0")
    with tenant_context(tenant_a):
        # The same attempt delivered twice, another task's message, no token: left alone.
        for token in ("task-1:0", "task-2:1", ""):
            assert report_export_run(export_id=job.pk, run_token=token) == "running", token
        assert report_export_run(export_id=job.pk, run_token="task-1:1") == "done"
