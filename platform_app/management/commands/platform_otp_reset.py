from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dockpulse.errors import DomainError
from dockpulse.tenancy import platform_context
from platform_app.services.access import platform_otp_reset

from ._common import bad_input


class Command(BaseCommand):
    help = (
        "Remove a platform admin's authenticator app and recovery codes (a lost phone): "
        "they set up a new one at their next sign-in. Audited; also lifts their "
        "second-factor lockout.\n\nExample: manage.py platform_otp_reset ops@example.com"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the platform admin's e-mail")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"]
        with platform_context():
            try:
                removed = platform_otp_reset(email=email, actor="command")
            except DomainError as error:
                raise bad_input(error.message) from error
        self.stdout.write(
            f"Removed {removed} second-factor device(s) of {email}: "
            "they set up a new authenticator at their next sign-in."
        )
