"""The initializer of migrate_tenants' worker processes.

A spawned process unpickles it by importing this module before Django is set up, so nothing
here may import models (or the services) at import time.
"""

from __future__ import annotations

import os
from typing import Any


def init(overrides: dict[str, Any]) -> None:
    """Set up Django in a worker process with the parent's databases.

    A forked worker has Django set up already; a spawned one starts from nothing.
    """
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dockpulse.settings")
    if overrides["testing"]:
        os.environ.setdefault("DOCKPULSE_TESTING", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    settings.TENANT_DB_PREFIX = overrides["prefix"]
    connections.settings["default"].update(overrides["default"])
