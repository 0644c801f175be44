"""The tenant's event log: the audit trail and the outbox of the event bus."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventLog(models.Model):
    class ActorType(models.TextChoices):
        STAFF = "staff", _("Staff user")
        CUSTOMER = "customer", _("Customer")
        SYSTEM = "system", _("System")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Unique: the outbox's idempotency key; delivery rows refer to it.
    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("event type"), max_length=100)
    source_module = models.CharField(_("source module"), max_length=50)
    entity_type = models.CharField(_("entity type"), max_length=50, blank=True)
    entity_id = models.UUIDField(_("entity id"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    # The seed's user_id: who caused the event (a staff user's or customer's id).
    user_id = models.UUIDField(_("actor id"), null=True, blank=True)
    actor_type = models.CharField(
        _("actor type"), max_length=20, choices=ActorType.choices, default=ActorType.SYSTEM
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    # Set by the event bus once the event's delivery rows are written.
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        db_table = "event_log"
        ordering = ["-created_at"]
        verbose_name = _("event")
        verbose_name_plural = _("event log")
        indexes = [
            models.Index(fields=["event_type"], name="idx_event_log_type"),
            models.Index(fields=["entity_type", "entity_id"], name="idx_event_log_entity"),
            models.Index(
                fields=["created_at"],
                name="idx_event_log_undispatched",
                condition=models.Q(dispatched_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.entity_type}:{self.entity_id}"


class EventDelivery(models.Model):
    """One (event, handler) pair: written by the drain in the transaction that claims the
    event, so a crash anywhere leaves either no claim or a row the sweep will finish."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRY = "retry", _("Waiting to retry")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(EventLog, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(_("handler"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When the sweep may assume the queued task is lost and queue it again.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        db_table = "event_deliveries"
        ordering = ["created_at"]
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "handler"], name="event_deliveries_event_handler_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="idx_event_deliveries_open",
                condition=models.Q(status__in=["pending", "retry"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id} ({self.status})"
