"""The reports' JSON: values, tables, filters, the forms' fields and errors, paging."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request

from tenant_apps.reports.periods import DateRange
from tenant_apps.reports.registry import Report
from tenant_apps.reports.tables import Table

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Any name reaches the view, which answers an unknown one with the API's own 404.
NAME_PATTERN = "[a-z0-9-]+"


# --- JSON values ----------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A figure as the API writes it: decimals as plain strings (never "1E+2"), dates ISO."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, uuid.UUID | Promise):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(str(value)), "f")
    return str(value)


def _values(row: dict[str, Any], counts: frozenset[str]) -> dict[str, Any]:
    # A count summed in SQL comes back as a numeric (Decimal): still a count, a number.
    return {
        key: int(value) if key in counts and isinstance(value, Decimal) else json_value(value)
        for key, value in row.items()
    }


def table_json(table: Table) -> dict[str, Any]:
    counts = frozenset(c.key for c in table.columns if c.kind == "count")
    return {
        "title": str(table.title),
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in table.columns],
        "rows": [_values(row, counts) for row in table.rows],
        "totals": None if table.totals is None else _values(table.totals, counts),
        "count": table.total_rows,
    }


def filters_json(form: forms.Form, filters: Any) -> dict[str, Any]:
    """The values the report ran with, one per field of its form, defaults filled in
    (an empty `date_to` is today)."""
    out: dict[str, Any] = {}
    dates = next(
        (getattr(filters, f.name) for f in dataclasses.fields(filters)
         if isinstance(getattr(filters, f.name), DateRange)),
        None,
    )  # fmt: skip
    for name in form.fields:
        if dates is not None and name in ("date_from", "date_to"):
            value: Any = dates.start if name == "date_from" else dates.end
        elif hasattr(filters, name):
            value = getattr(filters, name)
        else:
            value = form.cleaned_data.get(name)
        out[name] = json_value(value)
    return out


def field_kind(field: forms.Field) -> str:
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.BooleanField):
        return "boolean"
    if isinstance(field, forms.IntegerField):
        return "integer"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    return "text"


def form_fields(report: Report) -> list[dict[str, Any]]:
    """What the report's form takes, for a client building its own filters."""
    out = []
    for name, field in report.form().fields.items():
        item: dict[str, Any] = {"name": name, "label": str(field.label), "type": field_kind(field)}
        if isinstance(field, forms.ChoiceField):
            item["choices"] = [
                {"value": str(value), "label": str(label)}
                for value, label in list(field.choices)  # type: ignore[arg-type]
                if value != ""
            ]
        if isinstance(field, forms.IntegerField):
            item["min"], item["max"] = field.min_value, field.max_value
        out.append(item)
    return out


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


def positive_param(request: Request, name: str, default: int) -> int:
    raw = str(request.query_params.get(name, "")).strip()
    if not raw:
        return default
    # ASCII digits only ("²".isdigit() is true), and a sane length (an OFFSET is a bigint).
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
        raise exceptions.ValidationError({name: [_("Enter a whole number from 1 up.")]})
    return int(raw)
