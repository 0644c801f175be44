#!/usr/bin/env python
"""Django's command-line utility.

Commands run in platform context: platform and shared tables (users, sessions) are those
of the platform database, and tenant tables raise until a command enters a tenant with
tenant_context(slug).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dockpulse.settings")
    from django.core.management import execute_from_command_line

    from dockpulse.tenancy.context import platform_context

    with platform_context():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
