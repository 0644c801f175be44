from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dockpulse.tenancy import TenantInfo, platform_context, tenant_context
from dockpulse.tenancy.registry import registry
from platform_app.models import Tenant
from platform_app.services import generate_password, tenant_create
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import user_create
from tenant_apps.customers.models import Customer

CREDENTIALS = Path(settings.BASE_DIR) / "var" / "dev-credentials.txt"
DEMO = "demo"
# The demo tenant's other staff, one per role below the owner (an admin): credentials key,
# e-mail, name, role.
DEMO_STAFF = (
    ("demo-manager", "manager@example.com", "Magdalena Nowak", Role.MANAGER),
    ("demo-employee", "employee@example.com", "Piotr Wiśniewski", Role.EMPLOYEE),
)


class Command(BaseCommand):
    help = (
        "For `make run` (DEBUG only): create a platform admin and the `demo` tenant if "
        "missing, with a manager and an employee besides its owner, keep their generated "
        "passwords in var/dev-credentials.txt, fill the tenant with the small demo data "
        "(seed_demo) while it has no customers, and print the logins."
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
        if not Tenant.objects.filter(slug=DEMO).exists():
            result = tenant_create(
                slug=DEMO,
                name="Demo sp. z o.o.",
                template="trade",
                plan_code="business",
                admin_email="owner@example.com",
                admin_name="Demo owner",
                language="en",
                actor="make run",
            )
            lines["demo"] = f"{result.admin_email} / {result.admin_password}"
        demo = registry.get(DEMO)
        if demo is not None and demo.is_active:
            self._demo_staff(demo, lines)
        self._write(lines)
        if demo is not None and demo.is_active:
            # After the logins are on file: a failed seed must not lose a new password.
            self._demo_data(demo)
            if self._demo_portal(demo, lines):
                self._write(lines)
        self.stdout.write("Logins (also in var/dev-credentials.txt):")
        width = max(len(key) for key in lines) if lines else 0
        for key, value in lines.items():
            self.stdout.write(f"  {key:<{width}}  {value}")

    def _write(self, lines: dict[str, str]) -> None:
        CREDENTIALS.parent.mkdir(parents=True, exist_ok=True)
        # Created readable by the owner only, before anything is written into it.
        fd = os.open(CREDENTIALS, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("".join(f"{key}: {value}\n" for key, value in lines.items()))

    def _demo_portal(self, tenant: TenantInfo, lines: dict[str, str]) -> bool:
        """One demo customer with portal access and a known password, once, so the portal
        can be tried at once (staff grant it by SMS; here nobody could read that SMS
        later). Whether a line was added."""
        if "demo-portal" in lines:
            return False
        with tenant_context(tenant):
            # A private buyer the seed gave no portal access (those who accepted quotes
            # in the portal have it, with an unusable password).
            candidates = Customer.objects.exclude(phone="").filter(is_portal_active=False)
            customer = (
                candidates.filter(nip="").order_by("name").first()
                or candidates.order_by("name").first()
            )
            if customer is None:
                return False
            password = generate_password()
            # A development login, set as the customer would have chosen it (no forced
            # change); the staff's way, customer_portal_access_grant, sends it by SMS.
            Customer.objects.filter(pk=customer.pk).update(
                is_portal_active=True,
                portal_password=make_password(password),
                portal_first_login=False,
            )
        lines["demo-portal"] = f"{customer.phone} / {password} ({customer.name}, /portal/)"
        return True

    def _demo_staff(self, tenant: TenantInfo, lines: dict[str, str]) -> None:
        """The demo tenant's manager and employee (besides its owner, an admin), once."""
        with tenant_context(tenant):
            for key, email, name, role in DEMO_STAFF:
                if User.objects.filter(email=email).exists():
                    # Made by an earlier run: its password is the one already on file.
                    lines.setdefault(
                        key,
                        f'{email} / (not on file: make manage ARGS="tenant_command demo '
                        f'changepassword {email}")',
                    )
                    continue
                password = generate_password()
                user_create(email=email, name=name, password=password, role=role)
                lines[key] = f"{email} / {password}"

    def _demo_data(self, tenant: TenantInfo) -> None:
        """The small demo data while the demo tenant has no customers (one query after)."""
        with tenant_context(tenant):
            if Customer.objects.exists():
                return
        self.stdout.write("Filling the demo tenant with demo data (seed_demo, about 20 s)...")
        call_command("seed_demo", DEMO, size="small", stdout=self.stdout, stderr=self.stderr)

    def _read(self) -> list[tuple[str, str]]:
        if not CREDENTIALS.exists():
            return []
        pairs = []
        for line in CREDENTIALS.read_text().splitlines():
            key, _, value = line.partition(": ")
            pairs.append((key, value))
        return pairs
