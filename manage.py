#!/usr/bin/env python
"""Django's command-line utility.

Commands start with no tenancy context, so tenant and user tables raise until a command
chooses: tenant_command SLUG ... runs one in a tenant; the commands that manage platform
admins (createsuperuser, changepassword) run in platform context.
"""

import os
import sys

PLATFORM_COMMANDS = {"createsuperuser", "changepassword"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dockpulse.settings")
    from django.core.management import execute_from_command_line

    from dockpulse.tenancy.context import platform_context

    if len(sys.argv) > 1 and sys.argv[1] in PLATFORM_COMMANDS:
        with platform_context():
            execute_from_command_line(sys.argv)
    else:
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
