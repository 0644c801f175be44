"""PostgreSQL restarts under traffic (issue 18, item 3): stopped (fast: every session is
ended, every open transaction rolled back) and started again 3 s later while API writes
and page reads stream in.

Every write either committed once or was refused with the API's 503; every page answered
200 or the 503 page; no 500, no traceback, no dropped connection. Within 10 s of the server
being back and without restarting anything: gunicorn answers pages and writes, the listener
has reconnected and wakes the drain of a new event, the worker runs it, and beat's sweep
runs again (it re-queues a delivery row only the sweep can find). Every committed
customer's event is handled exactly once: its timeline entry and delivery rows exist, and
tests.tally, whose effect is not idempotent (an "x" per run), ran once.
"""

from __future__ import annotations

import time

import pytest

from tests.chaos.stack import (
    HANDLED_ONCE,
    Servers,
    Traffic,
    assert_refused_cleanly,
    customers_and_effects,
    delivery_only_the_sweep_can_find,
    sweep_ran,
    undispatched,
    wait_for,
)

pytestmark = pytest.mark.chaos

BACK_WITHIN = 10.0
PREFIX = "pg-restart"


def test_a_postgresql_restart_under_traffic(make_stack, servers: Servers) -> None:
    stack = make_stack(
        # The sweep every second, but never for events younger than an hour: a fresh
        # event delivered after the restart was woken by the listener, not the sweep.
        EVENTS_SWEEP_SECONDS="1",
        EVENTS_SWEEP_GRACE="3600",
        process_env={"listener": {"LOG_LEVEL": "DEBUG"}},
    )
    pids = {name: process.pid for name, process in stack.processes.items()}
    children = {name: stack.children(name) for name in ("web", "worker")}
    with Traffic(stack, prefix=PREFIX, phone_digit=5) as traffic:
        wait_for(lambda: len(traffic.written()) >= 5, 20, "writes before the restart")
        servers.postgres.stop()
        time.sleep(3)
        servers.postgres.start()  # returns once the server accepts connections
        back = time.monotonic()
        listener_log_at_restart = len(stack.log("listener"))
        wait_for(lambda: traffic.first_success_after("write", back), BACK_WITHIN,
                 "a write to succeed after the restart")  # fmt: skip
        wait_for(lambda: traffic.first_success_after("page", back), BACK_WITHIN,
                 "a page to answer after the restart")  # fmt: skip
    writes = [o for o in traffic.outcomes if o.kind == "write"]
    pages = [o for o in traffic.outcomes if o.kind == "page"]
    refused = [o for o in traffic.outcomes if o.status not in (200, 201)]
    for outcome in refused:
        assert_refused_cleanly(outcome)
    assert any(o.kind == "write" for o in refused), "no write met the restart"
    assert any(o.kind == "page" for o in refused), "no page met the restart"

    # After the restart, well inside BACK_WITHIN: each gunicorn worker (by pid) answers
    # the page; the listener is listening again.
    answered = stack.by_worker("/customers/", opener=traffic.browser)
    assert set(answered.values()) == {200}, answered
    wait_for(lambda: "listening on" in stack.log("listener")[listener_log_at_restart:],
             BACK_WITHIN - (time.monotonic() - back), "the listener to reconnect")  # fmt: skip
    listening = time.monotonic() - back
    # A new write commits, its NOTIFY wakes the listener, which queues the drain, which
    # the worker runs (the sweep leaves events younger than an hour alone).
    listener_log_before = len(stack.log("listener"))
    name = f"{PREFIX}-after"
    reply = stack.post_json("/api/v1/customers/", {"name": name, "phone": "+48599999999"},
                            traffic.token)  # fmt: skip
    assert reply.status == 201, reply.body
    wait_for(lambda: customers_and_effects(servers, PREFIX).get(name) == HANDLED_ONCE,
             BACK_WITHIN - (time.monotonic() - back), "the new event to be delivered")  # fmt: skip
    assert "tenant-a: drain" in stack.log("listener")[listener_log_before:]
    # Beat and the worker's sweep: a delivery row only the sweep can find is run.
    lost = delivery_only_the_sweep_can_find(servers, PREFIX)
    left = BACK_WITHIN - (time.monotonic() - back)
    wait_for(lambda: sweep_ran(servers, *lost), left, "the sweep's re-run")
    everything = time.monotonic() - back
    assert everything < BACK_WITHIN
    first_write = traffic.first_success_after("write", back)
    first_page = traffic.first_success_after("page", back)
    assert first_write is not None and first_page is not None

    # Nothing committed is lost, nothing is done twice.
    created = customers_and_effects(servers, PREFIX)
    assert all(counts[0] == 1 for counts in created.values()), "a name committed twice"
    missing = traffic.written() - set(created)
    assert not missing, f"answered 201 but not in the database: {sorted(missing)[:5]}"
    wait_for(lambda: undispatched(servers) == 0, 20, "every event to be dispatched")

    def handled() -> bool:
        return set(customers_and_effects(servers, PREFIX).values()) == {HANDLED_ONCE}

    try:  # the last deliveries may still be running
        wait_for(handled, 20, "every event handled once")
    finally:
        effects = customers_and_effects(servers, PREFIX)
        print("not handled once:", [(n, c) for n, c in effects.items() if c != HANDLED_ONCE][:5])
    # A refused write may still have committed (the commit went through, the answer did
    # not): then once, like any other -- never twice.
    ambiguous = {o.key for o in writes if o.status == 503} & set(created)
    print(
        f"after the restart: a write in {first_write - back:.1f} s, a page in "
        f"{first_page - back:.1f} s, listening in {listening:.1f} s, all checks in "
        f"{everything:.1f} s; "
        f"writes {len(writes)} ({len(traffic.written())} committed, "
        f"{sum(o.status == 503 for o in writes)} refused, {len(ambiguous)} of them committed "
        f"anyway), pages {len(pages)} ({sum(o.status == 503 for o in pages)} refused)"
    )

    # Nobody was restarted: the same processes, gunicorn's and Celery's children included.
    for name, pid in pids.items():
        assert not stack.exited(name), stack.log(name)[-3000:]
        assert stack.processes[name].pid == pid
    for name, before in children.items():
        assert stack.children(name) == before, f"{name} replaced a child"
