"""Bench-only settings: the product's settings plus a one-SELECT tenant endpoint.

Used by bench/routing.py (gunicorn) and bench/provisioning.py (its worker processes).
Nothing here changes how the product routes, connects or provisions:

- TENANT_URLCONF adds `/bench/one-select/` (and `/bench/state/`) to the tenant URLs.
- BENCH_EXTRA_APP=<dir>: installs a generated app (bench/provisioning.py writes it to a
  temporary directory) with K extra models and K migrations, to show how provisioning
  time behaves as migrations are added.
- BENCH_FAST_HASHER=1: MD5 password hashing, used ONLY to provision the 500 tenants of the
  routing benchmark quickly (throughput does not depend on it; the script says so).
  bench/provisioning.py never sets it: it measures the production PBKDF2 hasher.
"""

from __future__ import annotations

import os
import sys

from dockpulse.settings import *  # noqa: F403
from dockpulse.settings import INSTALLED_APPS

TENANT_URLCONF = "bench.urls"

_extra_app_dir = os.environ.get("BENCH_EXTRA_APP", "")
if _extra_app_dir:
    sys.path.insert(0, _extra_app_dir)
    INSTALLED_APPS = [*INSTALLED_APPS, "bench_extra_tables"]

if os.environ.get("BENCH_FAST_HASHER") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
