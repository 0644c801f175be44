"""Customers (contractors) of a tenant; they log in to the portal with phone + password."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=255)
    company_name = models.CharField(_("company"), max_length=255, blank=True)
    # E.164 (+48601234567); the portal login, so unique per tenant.
    phone = models.CharField(_("phone"), max_length=20, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Ten digits, checksum-validated; stored without separators.
    nip = models.CharField(_("NIP"), max_length=10, blank=True, db_index=True)
    address_street = models.CharField(_("street"), max_length=255, blank=True)
    address_postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    address_city = models.CharField(_("city"), max_length=100, blank=True)
    address_country = models.CharField(_("country"), max_length=2, default="PL")
    notes = models.TextField(_("notes"), blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    # A Django password hash; blank while the customer has no portal access. Written only
    # by portal_access.py, which SMSes the password and never keeps it in clear text.
    portal_password = models.CharField(_("portal password"), max_length=128, blank=True)
    # On only together with a password that was sent (portal_access.py): the customer form
    # and the API cannot switch it on by themselves.
    is_portal_active = models.BooleanField(_("portal access"), default=False)
    portal_first_login = models.BooleanField(_("must change portal password"), default=True)
    # Raised whenever access is turned off or a new password is sent: portal sessions and
    # tokens carry the value they were made with and are void once it differs. A database
    # default too: bulk loads (seed_demo's COPY) name only the columns they fill.
    portal_auth_version = models.PositiveIntegerField(
        _("portal sign-in version"), default=0, db_default=0
    )
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "customers"
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["name"], name="customers_name_idx"),
            # The search box's tag match (tags @> ARRAY[..]); the text columns' trigram
            # indexes are database-only (migration 0003, dockpulse.migration_ops).
            GinIndex(fields=["tags"], name="customers_tags_gin"),
        ]

    def __str__(self) -> str:
        return self.company_name or self.name

    @property
    def address(self) -> dict[str, str]:
        return {
            "street": self.address_street,
            "postal_code": self.address_postal_code,
            "city": self.address_city,
            "country": self.address_country,
        }


class TimelineEntry(models.Model):
    """The customer's history: one row per event about the customer (their orders, quotes,
    changes), written by the event bus's `customers.timeline` handler."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="timeline")
    event = models.ForeignKey("events.EventLog", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(_("event"), max_length=100)
    entity_type = models.CharField(_("entity type"), max_length=50, blank=True)
    entity_id = models.UUIDField(_("entity id"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        db_table = "customer_timeline"
        ordering = ["-occurred_at"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        constraints = [
            # Replaying an event cannot add it to the timeline twice.
            models.UniqueConstraint(fields=["customer", "event"], name="customer_timeline_once")
        ]
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="idx_timeline_customer")]

    def __str__(self) -> str:
        return f"{self.event_type} @ {self.occurred_at:%Y-%m-%d %H:%M}"
