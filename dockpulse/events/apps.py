from django.apps import AppConfig


class EventBusConfig(AppConfig):
    name = "dockpulse.events"
    label = "event_bus"
    verbose_name = "Event bus"

    def ready(self) -> None:
        from . import bridge, signals

        signals.domain_event.connect(bridge.record_event, dispatch_uid="dockpulse_outbox")

        from importlib import import_module

        from django.conf import settings

        for module in getattr(settings, "EVENT_HANDLER_MODULES", []):
            import_module(module)
