"""The platform's Celery tasks, one module per area; imported here so Celery's
autodiscovery (which imports `platform_app.tasks`) registers them all."""

from . import billing, health, maintenance, usage

__all__ = ["billing", "health", "maintenance", "usage"]
