"""CSV in and out the way Polish spreadsheets write and read it.

In: UTF-8 with or without BOM, or cp1250 (Excel's "CSV" on Polish Windows); `;` or `,`
separators, detected. Out: UTF-8 with BOM and `;`, which Excel opens correctly; cells that
a spreadsheet would run as formulas are prefixed with an apostrophe (CSV injection), and
that prefix is taken off again on import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_BYTES = 5 * 1024 * 1024
T = TypeVar("T")


class CsvError(ValueError):
    """The file as a whole cannot be read (encoding, size, no header)."""


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise CsvError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1250")  # raises for the few bytes cp1250 leaves undefined


@dataclass(frozen=True)
class Row:
    line: int  # 1-based line number of the row in the file (the header is line 1)
    values: dict[str, str]


def read(raw: bytes, aliases: dict[str, str]) -> tuple[list[str], list[Row]]:
    """The header (canonical names) and the rows; `aliases` maps header spellings."""
    try:
        text = decode(raw)
    except UnicodeDecodeError as exc:
        raise CsvError("the file is neither UTF-8 nor Windows-1250 text") from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_cells = next(reader)
    except StopIteration as exc:
        raise CsvError("the file is empty") from exc
    header = [aliases.get(cell.strip().lower(), cell.strip().lower()) for cell in header_cells]
    rows = []
    start = reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            values = {
                name: unescape(cell.strip()) for name, cell in zip(header, cells, strict=False)
            }
            if len(cells) > len(header):
                values["__extra__"] = ";".join(cells[len(header) :])
            rows.append(Row(line=start, values=values))
        start = reader.line_num + 1
    return header, rows


def escape(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def unescape(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def write(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([escape(cell) for cell in row])
    return out.getvalue()


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    dry_run: bool = True
    errors: list[dict[str, Any]] = field(default_factory=list)


def read_checked(
    raw: bytes, *, aliases: dict[str, str], columns: Sequence[str], required: Sequence[str]
) -> list[Row]:
    """The rows of a file whose header names only known columns and all required ones."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    try:
        header, rows = read(raw, aliases)
    except CsvError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    unknown = sorted(set(header) - set(columns))
    if unknown or not set(required) <= set(header):
        raise ValidationError(
            {"file": [_("Columns must include %(required)s; unknown columns: %(cols)s.")
                      % {"required": ", ".join(required), "cols": ", ".join(unknown) or "-"}]}
        )  # fmt: skip
    return rows


def validate_rows(
    rows: Sequence[Row],
    *,
    clean: Callable[[dict[str, str]], T],
    unique: str,
    key: Callable[[T], str],
) -> tuple[list[T], list[dict[str, Any]]]:
    """Every row cleaned, or its line and per-field messages.

    `clean` turns a row's cells into the typed values the service writes, raising Django's
    ValidationError; `key` picks the value of the `unique` column, which may not repeat
    within the file (compared case-insensitively).
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    prepared: list[T] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows:
        if "__extra__" in row.values:
            errors.append({"line": row.line, "fields": {"file": [_("More cells than columns.")]}})
            continue
        try:
            cleaned = clean(dict(row.values))
        except ValidationError as exc:
            errors.append({"line": row.line, "fields": exc.message_dict})
            continue
        first = seen.setdefault(key(cleaned).lower(), row.line)
        if first != row.line:
            message = _("The same value as line %(line)d.") % {"line": first}
            errors.append({"line": row.line, "fields": {unique: [message]}})
            continue
        prepared.append(cleaned)
    return prepared, errors
