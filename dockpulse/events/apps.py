from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "dockpulse.events"
    # The label the outbox tables were created under when they lived in tenant_apps: the
    # migration history, content types and permissions stay as they are.
    label = "events"
    verbose_name = "Events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from importlib import import_module

        from django.conf import settings

        from . import bridge, extensions, signals  # noqa: F401

        signals.domain_event.connect(bridge.record_event, dispatch_uid="dockpulse_outbox")
        for module in getattr(settings, "EVENT_HANDLER_MODULES", []):
            import_module(module)
