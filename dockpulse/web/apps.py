from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class WebConfig(AppConfig):
    name = "dockpulse.web"
    label = "web"
    verbose_name = "Staff panel"

    def ready(self) -> None:
        # WhiteNoise serves from the finders (settings); it only warns about a missing
        # STATIC_ROOT, which exists once deploy/ has run collectstatic.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
