"""Workflow triggers (event -> SMS / e-mail / push / webhook), their delivery log, and the
in-app notifications that push stores."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionType(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    PUSH = "push", _("In-app notification")
    WEBHOOK = "webhook", _("Webhook")


class WorkflowTrigger(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=100, unique=True)  # 'order.new.sms_admin'
    name = models.CharField(_("name"), max_length=255)
    event_type = models.CharField(_("event type"), max_length=100, db_index=True)
    action_type = models.CharField(_("action"), max_length=20, choices=ActionType.choices)
    action_config = models.JSONField(_("action settings"), default=dict, blank=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    # Webhooks: final failures in a row; the trigger switches itself off at the limit.
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    # Webhooks: when the current run of final failures began (None after a success); the
    # trigger is switched off only once it has failed for WEBHOOK_DISABLE_AFTER_DAYS.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was switched off"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "workflow_triggers"
        ordering = ["event_type", "code"]
        verbose_name = _("workflow trigger")
        verbose_name_plural = _("workflow triggers")

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.action_type} ({self.code})"


class NotificationDelivery(models.Model):
    """One message to one recipient for one (event, trigger): the delivery log.

    Written with the event's handling, sent by a task afterwards; its id is the
    idempotency key passed to the provider, and its status is checked before sending.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        RETRY = "retry", _("Waiting to retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # The trigger found nobody to message (`last_error` says why); never sent.
        SKIPPED = "skipped", _("Skipped: no recipient")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trigger = models.ForeignKey(
        WorkflowTrigger, on_delete=models.SET_NULL, null=True, related_name="deliveries"
    )
    event = models.ForeignKey("events.EventLog", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=20, choices=ActionType.choices)
    recipient = models.CharField(_("recipient"), max_length=500)  # "" when skipped
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    response = models.TextField(_("provider's answer"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "notification_deliveries"
        ordering = ["-created_at"]
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            # A replayed event does not message anyone twice.
            models.UniqueConstraint(
                fields=["event", "trigger", "channel", "recipient"],
                name="notification_deliveries_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="idx_notif_deliveries_open",
                condition=models.Q(status__in=["pending", "sending", "retry"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient} ({self.status})"


class Notification(models.Model):
    """An in-app notification (the push channel) for one staff user or one customer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    delivery = models.OneToOneField(
        NotificationDelivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "notifications"
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) ^ models.Q(customer__isnull=False),
                name="notifications_one_recipient",
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                name="idx_notifications_unread",
                condition=models.Q(read_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.title
