"""The dashboard's daily aggregates: what the KPIs and charts read instead of the orders.

One row per (tenant day, status): the orders created on that day (in the tenant's time
zone) that are now in that status, how many and their totals. Kept by the event handler
`dashboard.daily_sales` (handlers.py), which recomputes the days of the orders an event
is about, and rebuilt in one SQL aggregation by `services.daily_sales_rebuild()`.

Keeping the status in the key answers every figure of the page from these rows:
revenue is the sum over the statuses that count (all but cancelled), "open orders by
status" the sum of the open statuses over the days, and cancelling an order moves it
(and its revenue) from its day's `new` row to its day's `cancelled` row.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailySales(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=20)
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    gross_total = models.DecimalField(_("gross total"), max_digits=16, decimal_places=2, default=0)
    net_total = models.DecimalField(_("net total"), max_digits=16, decimal_places=2, default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "dashboard_daily_sales"
        ordering = ["day", "status"]
        verbose_name = _("daily sales")
        verbose_name_plural = _("daily sales")
        constraints = [
            # Its index serves the day ranges of the KPIs and the chart.
            models.UniqueConstraint(fields=["day", "status"], name="dashboard_daily_sales_once")
        ]
        indexes = [
            # Open orders by status: the open statuses' rows over all days.
            models.Index(fields=["status", "day"], name="idx_daily_sales_status"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.status}: {self.orders_count}"
