from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from platform_app.models import BusinessTemplate
from platform_app.services import template_exists, template_migrate, tenant_create

from ._common import validation_error_line


class Command(BaseCommand):
    help = (
        "Provision a tenant: clone the template database, seed the business template's "
        "modules and create the first admin.\n\n"
        "Example: manage.py create_tenant acme --name 'Acme sp. z o.o.' --template trade "
        "--admin-email owner@acme.pl"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="subdomain: 3-40 of a-z, 0-9 and '-'")
        parser.add_argument("--name", required=True, help="company name")
        parser.add_argument("--template", required=True, choices=BusinessTemplate.values)
        parser.add_argument("--plan", default=None, help="plan code (starter, business, ...)")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument(
            "--admin-password",
            default=None,
            help="the first admin's password; by default one is generated and printed once",
        )
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--language", default="pl", choices=["pl", "en"])
        parser.add_argument("--time-zone", default="Europe/Warsaw")

    def handle(self, *args: Any, **options: Any) -> None:
        if not template_exists():
            self.stderr.write("The template database is missing; creating and migrating it.")
            template_migrate()
        try:
            result = tenant_create(
                slug=options["slug"],
                name=options["name"],
                template=options["template"],
                plan_code=options["plan"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
                admin_name=options["admin_name"],
                language=options["language"],
                time_zone=options["time_zone"],
                actor="cli",
            )
        except ValidationError as exc:
            raise validation_error_line(exc) from exc
        tenant = result.tenant
        self.stdout.write(
            self.style.SUCCESS(
                f"Tenant {tenant.slug} is active ({tenant.db_name}, {result.seconds:.2f} s)."
            )
        )
        self.stdout.write(f"Admin login: {result.admin_email}")
        if result.generated_password:
            self.stdout.write(f"Admin password (shown only now): {result.admin_password}")
