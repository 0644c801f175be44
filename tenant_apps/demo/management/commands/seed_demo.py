from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dockpulse.tenancy import tenant_context
from dockpulse.tenancy.registry import registry
from tenant_apps.demo.seeding import SIZES, SeedError, seed_demo


class Command(BaseCommand):
    help = (
        "Fill an empty tenant with Polish demo data: customers with tags and addresses, "
        "products, stock, orders in every status over the past 90 days, quotes, in-app "
        "notifications. `small` (~50 customers, ~40 products, ~300 orders) goes through the "
        "services and the event bus; `large` (20k customers, 5k products, 100k orders, ~1M "
        "stock movements) is written with COPY, for benchmarks. Runs once per tenant: a "
        "second run changes nothing.\n\n"
        "Examples:\n  manage.py seed_demo demo\n  manage.py seed_demo bench --size large"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--size", default="small", help="small (default) or large")
        parser.add_argument(
            "--scale",
            default="1",
            help="large only: this fraction of it (e.g. 0.01), to try the bulk path quickly",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug, size = options["slug"], options["size"]
        if size not in SIZES:
            raise CommandError(f"unknown size {size}; choose small or large", returncode=2)
        try:
            scale = float(options["scale"])
        except ValueError:
            raise CommandError("--scale takes a number, e.g. 0.01", returncode=2) from None
        tenant = registry.get(slug)
        if tenant is None or not tenant.is_active:
            raise CommandError(f"no active tenant {slug}", returncode=2)
        started = time.monotonic()
        with tenant_context(tenant):
            try:
                result = seed_demo(size=size, scale=scale, log=self.stdout.write)
            except SeedError as exc:
                raise CommandError(str(exc), returncode=2) from exc
        if not result.created:
            self.stdout.write(f"{slug}: already has the {size} demo data; nothing changed")
            return
        counts = ", ".join(f"{count} {name}" for name, count in result.counts.items())
        # The whole run, its commit included (the foreign keys of the bulk path are checked then).
        elapsed = time.monotonic() - started
        self.stdout.write(f"{slug}: {size} demo data in {elapsed:.1f} s: {counts}")
        if result.heavy_customer:
            heavy = result.heavy_customer
            self.stdout.write(
                f"{slug}: the customer with {heavy['orders']} orders: {heavy['name']} "
                f"(/customers/{heavy['id']}/)"
            )
