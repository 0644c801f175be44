from __future__ import annotations

import logging
import signal
from typing import Any

from django.core.management.base import BaseCommand

from dockpulse.events.listener import Listener


class Command(BaseCommand):
    help = (
        "Listen for committed events (one LISTEN connection on the platform database, "
        "never through PgBouncer) and queue one drain task per tenant woken. Reconnects "
        "with backoff; on every connect it wakes every active tenant once, so events "
        "committed while it was down are delivered too. Stop with Ctrl-C or SIGTERM."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO)
        listener = Listener()

        def stop(*_: Any) -> None:
            listener.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        listener.run()
        self.stdout.write(f"listener stopped ({listener.woken} drain(s) queued)")
