"""Settings refuse to start unsafely, and production settings pass Django's deploy checks."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT, subprocess_env


def run_check(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = subprocess_env(**env)
    environment.pop("DOCKPULSE_TESTING")
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", *args],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_pass_check_deploy(committed):
    result = run_check(
        "--deploy",
        "--fail-level", "WARNING",
        DJANGO_SECRET_KEY="k" * 20 + "production-like-secret-key-with-50-characters",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_PRELOAD="1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_no_secret_key_without_debug_refuses_to_start():
    result = run_check(DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off." in result.stderr


def test_no_database_url_says_how_to_get_one():
    result = run_check(DATABASE_URL="")
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr
