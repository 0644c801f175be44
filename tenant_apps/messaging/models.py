"""A customer's one thread with the staff: its messages, both ways."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Long enough for a detailed question, short enough to stay a message (and an excerpt).
BODY_MAX_LENGTH = 4000


class Author(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    STAFF = "staff", _("Staff")


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    author_kind = models.CharField(_("from"), max_length=10, choices=Author.choices)
    # The staff member who wrote it; the name is kept so the thread still says who wrote
    # after the user is deleted.
    author_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff author"),
    )
    author_name = models.CharField(_("author"), max_length=255, blank=True)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    # A customer's message read by any staff member; a staff message read by the customer.
    read_by_staff_at = models.DateTimeField(_("read by staff at"), null=True, blank=True)
    read_by_customer_at = models.DateTimeField(_("read by the customer at"), null=True, blank=True)

    class Meta:
        db_table = "messages"
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author_kind__in=[Author.CUSTOMER, Author.STAFF]),
                name="messages_author_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(author_kind=Author.STAFF) | models.Q(author_user__isnull=True),
                name="messages_customer_has_no_staff_author",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    GreaterThan(Length("body"), 0),
                    LessThanOrEqual(Length("body"), BODY_MAX_LENGTH),
                ),
                name="messages_body_length",
            ),
        ]
        indexes = [
            # A customer's thread, newest first (the page shows the latest and pages back).
            models.Index(fields=["customer", "-created_at", "-id"], name="messages_thread_idx"),
            # What the staff have not read yet, per customer and in total.
            models.Index(
                fields=["customer", "created_at"],
                name="messages_unread_staff_idx",
                condition=models.Q(author_kind="customer", read_by_staff_at__isnull=True),
            ),
            # What the customer has not read yet (the portal's home).
            models.Index(
                fields=["customer", "created_at"],
                name="messages_unread_cust_idx",
                condition=models.Q(author_kind="staff", read_by_customer_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_kind}: {self.body[:40]}"

    @property
    def from_customer(self) -> bool:
        return self.author_kind == Author.CUSTOMER
