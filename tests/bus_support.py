"""A real event bus for a test: the `listen_events` listener and a prefork Celery worker
in processes of their own, on this run's test databases and Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT, subprocess_env


def wait_until(
    check: Callable[[], Any], timeout: float = 40.0, what: str = "", every: float = 0.1
) -> Any:
    """`every`: seconds between checks (a check of many queries should not run ten times a
    second on the cores the processes under test need)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what or check}")


class Bus:
    """Starts and stops the worker and the listener for one test."""

    def __init__(self, tmp: Path, *, own_sms_file: bool = True) -> None:
        """`own_sms_file=False`: the SMS go where every test process's go (read them with
        tests.support.texts_to), e.g. beside a browser test's server."""
        self.tmp = tmp
        self.own_sms_file = own_sms_file
        # More environment for the processes started after it is set (settings of a test).
        self.extra_env: dict[str, str] = {}
        self.sms_file = tmp / "sms.jsonl"
        self.markers = tmp / "markers"
        self.markers.mkdir()
        self.processes: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}

    def env(self) -> dict[str, str]:
        own = {"SMS_BACKEND": "file", "SMS_FILE_PATH": str(self.sms_file)}
        settings = {
            **(own if self.own_sms_file else {}),
            "EVENT_HANDLER_MODULES": "tests.event_handlers",
            "DOCKPULSE_TEST_MARKERS": str(self.markers),
            "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "1",
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "PYTHONPATH": str(ROOT),
        }
        return subprocess_env(**{**settings, **self.extra_env})  # a test's settings win

    def _start(self, name: str, argv: list[str], ready: str) -> None:
        log = self.tmp / f"{name}.log"
        process = subprocess.Popen(
            argv, env=self.env(), cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        self.processes[name] = (process, log)
        wait_until(
            lambda: ready in log.read_text(errors="replace") or process.poll() is not None,
            timeout=60,
            what=f"{name} to start",
        )
        assert process.poll() is None, log.read_text(errors="replace")

    def start_worker(self) -> None:
        self._start(
            "worker",
            [sys.executable, "-m", "celery", "-A", "dockpulse", "worker", "-l", "INFO",
             "-Q", "events,notifications,webhooks,maintenance", "-c", "2", "-P", "prefork",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n",
             f"test-{os.getpid()}@%h"],
            "ready.",
        )  # fmt: skip

    def start_listener(self) -> None:
        self._start(
            "listener", [sys.executable, str(ROOT / "manage.py"), "listen_events"], "listening on"
        )

    def start_beat(self) -> None:
        """Celery beat with its schedule file in the test's folder (the sweep's period comes
        from EVENTS_SWEEP_SECONDS in `extra_env`)."""
        self._start(
            "beat",
            [sys.executable, "-m", "celery", "-A", "dockpulse", "beat", "-l", "INFO",
             "-s", str(self.tmp / "beat-schedule")],
            "beat: Starting",
        )  # fmt: skip

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to tidy up (a crash, the OOM killer)."""
        process, _log = self.processes.pop(name)
        process.kill()
        process.wait()

    def stop(self, name: str) -> None:
        process, _log = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log(self, name: str) -> str:
        return self.processes[name][1].read_text(errors="replace")

    def sms(self) -> list[dict[str, Any]]:
        if not self.sms_file.exists():
            return []
        return [json.loads(line) for line in self.sms_file.read_text().splitlines()]


@pytest.fixture
def bus(committed: None, tmp_path: Path) -> Iterator[Bus]:
    from dockpulse.celery import app

    app.control.purge()  # nothing left over from another test's worker
    bus = Bus(tmp_path)
    yield bus
    for name in list(bus.processes):
        bus.stop(name)
