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


PRODUCTION_KEY = "k" * 20 + "production-like-secret-key-with-50-characters"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = subprocess_env(**env)
    environment.pop("DOCKPULSE_TESTING")
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=environment, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_production_defaults_insist_on_https_and_pass_check_deploy(committed):
    """Issue 18 (8): with nothing set but the secret, production redirects to HTTPS and
    sends HSTS, and `check --deploy` is clean; so it is with deploy/'s own environment."""
    shown = _manage(
        "shell", "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip().splitlines()[-1].split() == ["True", "3600", "True"]
    for environment in (
        {},  # the defaults
        # deploy/docker-compose.yml's app environment
        {"SECURE_SSL_REDIRECT": "true", "SECURE_HSTS_SECONDS": "3600",
         "SECURE_HSTS_PRELOAD": "false"},
    ):  # fmt: skip
        result = run_check(
            "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=PRODUCTION_KEY,
            **environment,
        )  # fmt: skip
        assert result.returncode == 0, (environment, result.stderr)
        assert "no issues" in result.stdout


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
