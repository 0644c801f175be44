from __future__ import annotations

import argparse
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from platform_app.models import Tenant

from ._common import bad_input, progress


class Command(BaseCommand):
    help = (
        "Run a management command for every active tenant (each in its own process, through "
        "tenant_command) and report per tenant. Exits 1 if it failed for any tenant. "
        "This command's own options go before COMMAND.\n\n"
        "Examples:\n"
        "  manage.py all_tenants_command --parallel 4 clearsessions\n"
        "  manage.py all_tenants_command shell -c \"print('hello')\""
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--parallel", type=int, default=2, help="tenants at once")
        parser.add_argument("command_name", metavar="COMMAND")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, metavar="ARGS")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["command_name"]
        if options["parallel"] < 1:
            raise bad_input("--parallel must be at least 1")
        if name not in get_commands():
            raise bad_input(f"unknown command {name}")
        slugs = list(
            Tenant.objects.filter(status="active").order_by("slug").values_list("slug", flat=True)
        )
        manage = str(Path(settings.BASE_DIR) / "manage.py")

        def run(slug: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, manage, "tenant_command", slug, name, *options["command_args"]],
                capture_output=True,
                text=True,
                check=False,
            )

        failed = []
        with (
            progress(len(slugs), self.stdout) as bar,
            ThreadPoolExecutor(max_workers=options["parallel"]) as pool,
        ):
            futures = {pool.submit(run, slug): slug for slug in slugs}
            for future in as_completed(futures):
                slug = futures[future]
                bar.update(1)
                result = future.result()
                status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
                if result.returncode != 0:
                    failed.append(slug)
                self.stdout.write(f"== {slug}: {status}")
                for line in (result.stdout + result.stderr).splitlines():
                    self.stdout.write(f"   {line}")
        self.stdout.write(f"{len(slugs)} tenant(s), {len(failed)} failed")
        if failed:
            raise CommandError(f"failed: {', '.join(sorted(failed))}", returncode=1)
