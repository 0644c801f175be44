"""The quote funnel: of the quotes created in each period, how many were sent, accepted,
rejected (and why), expired, and the conversion rate.

A quote belongs to the period it was **created** in (a cohort), and its current status
says how far it got: every quote past draft was sent (a quote is accepted, rejected or
expires only once sent), so "sent" counts sent, accepted, rejected and expired ones and
"open" the sent ones still waiting (a sent quote past its valid-until day is expired).
Conversion = accepted / sent. A period's row changes as its quotes are decided, however
long after the period that is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenant_apps.reports.periods import DateRange, tenant_today, truncated
from tenant_apps.reports.tables import ChartPoint, Column, Export, Result, Table, percent
from tenant_apps.sales.models import Quote

S = Quote.Status
REASONS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class FunnelFilters:
    range: DateRange
    grain: str = "week"


COLUMNS = [
    Column("period", gettext_lazy("Period"), "date"),
    Column("created", gettext_lazy("Created"), "count"),
    Column("sent", gettext_lazy("Sent"), "count"),
    Column("open", gettext_lazy("Waiting"), "count"),
    Column("accepted", gettext_lazy("Accepted"), "count"),
    Column("rejected", gettext_lazy("Rejected"), "count"),
    Column("expired", gettext_lazy("Expired"), "count"),
    Column("conversion", gettext_lazy("Conversion %"), "percent"),
    Column("accepted_net", gettext_lazy("Accepted, net"), "money"),
]
REASON_COLUMNS = [
    Column("reason", gettext_lazy("Reason")),
    Column("quotes", gettext_lazy("Quotes"), "count"),
    Column("share", gettext_lazy("Share %"), "percent"),
]


def created_quotes(dates: DateRange) -> QuerySet[Quote]:
    return Quote.objects.filter(created_at__gte=dates.since, created_at__lt=dates.until)


def _figures() -> dict[str, Any]:
    # A sent quote past its date is expired before the hourly job marks it (as the quote
    # list shows it): the funnel says so too, instead of "waiting".
    lapsed = Q(status=S.SENT, valid_until__lt=tenant_today())
    return {
        "created": Count("id"),
        "sent": Count("id", filter=~Q(status=S.DRAFT)),
        "open": Count("id", filter=Q(status=S.SENT) & ~lapsed),
        "accepted": Count("id", filter=Q(status=S.ACCEPTED)),
        "rejected": Count("id", filter=Q(status=S.REJECTED)),
        "expired": Count("id", filter=Q(status=S.EXPIRED) | lapsed),
        "accepted_net": Sum("total_net", filter=Q(status=S.ACCEPTED)),
    }


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row["accepted_net"] = row.get("accepted_net") or Decimal("0.00")
    row["conversion"] = percent(row["accepted"], row["sent"])
    return row


def _empty(first: Any) -> dict[str, Any]:
    keys = ("created", "sent", "open", "accepted", "rejected", "expired")
    return {"period": first, **dict.fromkeys(keys, 0)}


def _per_period(filters: FunnelFilters) -> dict[Any, dict[str, Any]]:
    rows = (
        created_quotes(filters.range)
        .order_by()
        .annotate(period=truncated("created_at", filters.grain))
        .values("period")
        .annotate(**_figures())
    )
    return {row["period"]: row for row in rows}


def _rows(filters: FunnelFilters) -> list[dict[str, Any]]:
    per_period = _per_period(filters)
    rows = []
    for first in filters.range.periods(filters.grain):
        row = _finish(dict(per_period.get(first) or _empty(first)))
        row["period_label"] = filters.range.period_label(first, filters.grain)
        rows.append(row)
    return rows


def rejection_reasons(dates: DateRange) -> Table:
    """The reasons given, as typed (case and surrounding spaces aside), most given first."""
    rejected = created_quotes(dates).filter(status=S.REJECTED)
    total = rejected.count()
    # One line per reason whatever its case and spaces; one spelling of it shown.
    grouped = (
        rejected.order_by()
        .annotate(key=Lower(Trim("rejection_reason")))
        .values("key")
        .annotate(quotes=Count("id"), shown=Min(Trim("rejection_reason")))
        .order_by("-quotes", "key")
    )
    rows = [
        {
            "reason": r["shown"] or _("No reason given"),
            "quotes": r["quotes"],
            "share": percent(r["quotes"], total),
        }
        for r in grouped[:REASONS_SHOWN]
    ]
    return Table(REASON_COLUMNS, rows, grouped.count(), totals={"quotes": total},
                 title=gettext_lazy("Why quotes were rejected"))  # fmt: skip


def funnel_report(filters: FunnelFilters, *, offset: int = 0, limit: int | None = None) -> Result:
    rows = _rows(filters)
    totals = created_quotes(filters.range).order_by().aggregate(**_figures())
    totals = _finish(totals)
    window = rows[offset : offset + limit] if limit is not None else rows[offset:]
    chart = [
        ChartPoint(key=key, label=str(label), value=totals[key])
        for key, label in (
            ("created", _("Created")),
            ("sent", _("Sent")),
            ("accepted", _("Accepted")),
            ("rejected", _("Rejected")),
            ("expired", _("Expired")),
        )
    ]
    return Result(
        table=Table(COLUMNS, window, len(rows), totals=totals),
        chart=chart,
        chart_kind="rows",
        chart_value="count",
        chart_title=gettext_lazy("Quotes created in the range, by how far they got"),
        more=[rejection_reasons(filters.range)],
    )


def funnel_export(filters: FunnelFilters) -> Export:
    keys = [c.key for c in COLUMNS]

    def rows() -> Iterator[Sequence[Any]]:
        for row in _rows(filters):
            yield [row[k] for k in keys]

    return Export(name="funnel", columns=COLUMNS,
                  count=lambda: sum(1 for _ in filters.range.periods(filters.grain)),
                  rows=rows)  # fmt: skip
