from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dockpulse.security import lockout
from dockpulse.tenancy import platform_context, tenant_context
from dockpulse.tenancy.registry import registry

from ._common import bad_input


class Command(BaseCommand):
    help = (
        "Lift the login lockout of one e-mail on one tenant (or on the platform with "
        "--platform) before it ends by itself; also resets its password-reset count.\n\n"
        "Example: manage.py unlock_login acme anna@acme.pl"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="the tenant; omit with --platform")
        parser.add_argument("email")
        parser.add_argument("--platform", action="store_true", help="a platform admin's login")

    def handle(self, *args: Any, **options: Any) -> None:
        slug, email = options["slug"], options["email"]
        if options["platform"] == bool(slug):
            raise bad_input("Name a tenant or give --platform (not both).")
        if slug:
            tenant = registry.get(slug)
            if tenant is None:
                raise bad_input(f"slug: There is no tenant {slug}.")
            context: Any = tenant_context(tenant)
        else:
            context = platform_context()
        with context:
            for policy in (lockout.login_policy(), lockout.password_reset_policy()):
                lockout.clear(policy=policy, identity=email)
        self.stdout.write(f"Unlocked {email} on {slug or 'the platform'}.")
