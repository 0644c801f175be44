from django.apps import AppConfig


class EventBusConfig(AppConfig):
    name = "dockpulse.events"
    label = "event_bus"
    verbose_name = "Event bus"

    def ready(self) -> None:
        from . import bridge, signals

        signals.domain_event.connect(bridge.record_event, dispatch_uid="dockpulse_outbox")
