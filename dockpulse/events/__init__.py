"""The event bus: services send `domain_event`; the bridge writes the outbox row."""

from .signals import domain_event, emit

__all__ = ["domain_event", "emit"]
