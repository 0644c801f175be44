"""Document numbers: a pattern per document type, gapless and unique under concurrency.

A pattern holds one counter token, `{N...}` (its width is the minimum number of digits, so
`{NNN}` gives 001 and widens to 1000 past 999), and optionally `{YYYY}`, `{YY}` and `{MM}`.
The counter restarts whenever the pattern's date part changes: every year for
`ZAM-{YYYY}-{NNN}`, every month with `{MM}`, never without a date token. The date is today
in the tenant's time zone.

The counter row is bumped with one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` in the
document's own transaction: its row lock serialises concurrent documents of one scope until
commit, and a rolled-back document rolls its number back, so there are no gaps.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import Actor
from dockpulse.tenancy import current_db_alias, tenant_atomic, tenant_now
from tenant_apps.sales.models import DocumentCounter, DocumentType, NumberSeries

DEFAULT_PATTERNS = {DocumentType.ORDER: "ZAM-{YYYY}-{NNN}", DocumentType.QUOTE: "OF-{YYYY}-{NNN}"}
_TOKEN = re.compile(r"\{(YYYY|YY|MM|N+)\}")
_LITERAL = re.compile(r"^[A-Za-z0-9/_.\- ]*$")
MAX_NUMBER_LENGTH = 50


def pattern_check(pattern: str) -> str:
    """The pattern, stripped, or a ValidationError saying what is wrong with it."""
    pattern = pattern.strip()
    counters = [t for t in _TOKEN.findall(pattern) if t.startswith("N")]
    if len(counters) != 1:
        raise ValidationError(_("The pattern needs exactly one counter such as {NNN}."))
    if len(counters[0]) > 10:
        raise ValidationError(_("The counter can have at most 10 digits."))
    if not _LITERAL.match(_TOKEN.sub("", pattern)):
        raise ValidationError(
            _("Use letters, digits, - / _ . and spaces besides {YYYY}, {YY}, {MM} and {NNN}.")
        )
    if len(format_number(pattern, today=datetime(2000, 12, 1), value=1)) > 40:
        raise ValidationError(_("The pattern is too long."))
    return pattern


def format_number(pattern: str, *, today: datetime, value: int | None) -> str:
    """The number (or with value None, the counter's scope: the number with `#` for it)."""

    def token(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "YYYY":
            return f"{today.year:04d}"
        if name == "YY":
            return f"{today.year % 100:02d}"
        if name == "MM":
            return f"{today.month:02d}"
        return "#" if value is None else str(value).zfill(len(name))

    return _TOKEN.sub(token, pattern)


def pattern_for(document_type: str) -> str:
    series = NumberSeries.objects.filter(document_type=document_type).first()
    return series.pattern if series else DEFAULT_PATTERNS[DocumentType(document_type)]


def next_number(document_type: str, *, taken: Any) -> str:
    """Take the next number; call inside the transaction that stores the document.

    `taken(number) -> bool` guards against a pattern change that would repeat an old number
    (it is skipped, so numbers stay unique even then).
    """
    pattern = pattern_for(document_type)
    today = tenant_now()
    scope = format_number(pattern, today=today, value=None)
    table = DocumentCounter._meta.db_table
    with connections[current_db_alias()].cursor() as cursor:
        while True:
            cursor.execute(
                f"INSERT INTO {table} (id, document_type, scope, last_value)"
                " VALUES (%s, %s, %s, 1)"
                " ON CONFLICT (document_type, scope)"
                f" DO UPDATE SET last_value = {table}.last_value + 1"
                " RETURNING last_value",
                [uuid.uuid4(), document_type, scope],
            )
            number = format_number(pattern, today=today, value=cursor.fetchone()[0])
            if not taken(number):
                return number


def number_series_set(*, document_type: str, pattern: str, actor: Actor) -> NumberSeries:
    if document_type not in DocumentType.values:
        raise ValidationError({"document_type": [_("Unknown document type.")]})
    try:
        pattern = pattern_check(pattern)
    except ValidationError as exc:
        raise ValidationError({"pattern": exc.messages}) from exc
    with tenant_atomic():
        series, _created = NumberSeries.objects.update_or_create(
            document_type=document_type, defaults={"pattern": pattern}
        )
        events.emit(
            event_type="entity.updated",
            source_module="sales",
            entity_type="number_series",
            entity_id=series.id,
            payload={"document_type": document_type, "pattern": pattern},
            actor=actor,
        )
    return series


# --- reads for the settings page ---------------------------------------------------------


def number_preview(document_type: str, pattern: str | None = None) -> str:
    """The number the next document of `document_type` would get with `pattern` (by
    default its series' own), today, without taking it (one query)."""
    pattern = pattern_for(document_type) if pattern is None else pattern
    today = tenant_now()
    last = (
        DocumentCounter.objects.filter(
            document_type=document_type, scope=format_number(pattern, today=today, value=None)
        )
        .values_list("last_value", flat=True)
        .first()
    )
    return format_number(pattern, today=today, value=(last or 0) + 1)


def number_series_list(document_types: list[str]) -> list[tuple[str, str]]:
    """(document type, pattern) of each of `document_types`: its series', or the default
    (one query)."""
    stored = dict(
        NumberSeries.objects.filter(document_type__in=document_types).values_list(
            "document_type", "pattern"
        )
    )
    return [(t, stored.get(t) or DEFAULT_PATTERNS[DocumentType(t)]) for t in document_types]
