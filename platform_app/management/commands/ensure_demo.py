from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dockpulse.tenancy import platform_context
from platform_app.models import Tenant
from platform_app.services import generate_password, tenant_create
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import user_create

CREDENTIALS = Path(settings.BASE_DIR) / "var" / "dev-credentials.txt"


class Command(BaseCommand):
    help = (
        "For `make run` (DEBUG only): create a platform admin and the `demo` tenant if "
        "missing, keep their generated passwords in var/dev-credentials.txt, print the logins."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("ensure_demo creates demo logins; it runs only with DEBUG on")
        base = settings.BASE_DOMAIN
        lines = dict(self._read())
        with platform_context():
            if not User.objects.exists():
                password = generate_password()
                user_create(
                    email=f"admin@{base}" if "." in base else "admin@example.com",
                    name="Platform admin",
                    password=password,
                    role="admin",
                    is_staff=True,
                    is_superuser=True,
                )
                lines["platform"] = f"{User.objects.get().email} / {password}"
        if not Tenant.objects.filter(slug="demo").exists():
            result = tenant_create(
                slug="demo",
                name="Demo sp. z o.o.",
                template="trade",
                plan_code="business",
                admin_email="owner@example.com",
                admin_name="Demo owner",
                language="en",
                actor="make run",
            )
            lines["demo"] = f"{result.admin_email} / {result.admin_password}"
        CREDENTIALS.parent.mkdir(parents=True, exist_ok=True)
        # Created readable by the owner only, before anything is written into it.
        fd = os.open(CREDENTIALS, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("".join(f"{key}: {value}\n" for key, value in lines.items()))
        self.stdout.write("Logins (also in var/dev-credentials.txt):")
        for key, value in lines.items():
            self.stdout.write(f"  {key:<9} {value}")

    def _read(self) -> list[tuple[str, str]]:
        if not CREDENTIALS.exists():
            return []
        pairs = []
        for line in CREDENTIALS.read_text().splitlines():
            key, _, value = line.partition(": ")
            pairs.append((key, value))
        return pairs
