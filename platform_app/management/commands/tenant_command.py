from __future__ import annotations

import argparse
from typing import Any

from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import BaseCommand, CommandParser

from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.connections import alias_for
from dockpulse.tenancy.registry import registry

from ._common import bad_input

_NOT_PER_TENANT = {"tenant_command", "all_tenants_command", "runserver", "testserver"}


class Command(BaseCommand):
    help = (
        "Run any management command in one tenant's context: its models and users are that "
        "tenant's. A command with a --database option gets the tenant's database unless you "
        "pass one.\n\n"
        "Examples:\n"
        "  manage.py tenant_command acme clearsessions\n"
        "  manage.py tenant_command acme dumpdata configuration --indent 2\n"
        "  manage.py tenant_command acme changepassword owner@acme.pl"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("command_name", metavar="COMMAND")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, metavar="ARGS")

    def handle(self, *args: Any, **options: Any) -> None:
        slug, name = options["slug"], options["command_name"]
        tenant = registry.get(slug)
        if tenant is None or tenant.status not in ("active", "suspended"):
            raise bad_input(f"no active or suspended tenant {slug}")
        commands = get_commands()
        if name not in commands:
            raise bad_input(f"unknown command {name}")
        if name in _NOT_PER_TENANT:
            raise bad_input(f"{name} cannot run per tenant")
        command = load_command_class(commands[name], name)
        command_args = list(options["command_args"])
        parser = command.create_parser("manage.py", name)
        takes_database = any(action.dest == "database" for action in parser._actions)
        with tenant_context(tenant):
            if takes_database and not any(a.startswith("--database") for a in command_args):
                command_args += ["--database", alias_for(tenant)]
            call_command(command, *command_args)
