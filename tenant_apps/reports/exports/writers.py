"""A report's rows as a file, written as they are read (never all in memory).

CSV is written the way the app's other CSV exports write it (dockpulse/csvio.py): UTF-8
with a BOM, `;` between cells, CRLF, a text cell a spreadsheet would run as a formula
prefixed with an apostrophe. Numbers keep the dot and no grouping (`1234.50`), as the
order and quote exports do: the file is for programs and imports; people who open it in
Excel get the XLSX, whose cells are real numbers and dates. Numeric cells are written
without the apostrophe rule: `-5` is a number, not a formula, and must stay one.

XLSX is written by exports/xlsx.py, streamed into the zip as rows come, so a million rows
take the memory of one (why not XlsxWriter: that module says). Numbers are number cells
with a format per column kind, dates real Excel dates, the header row bold and frozen;
text cells are always inline strings, so a cell reading "=HYPERLINK(...)" is text, not a
formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from dockpulse.csvio import escape
from tenant_apps.reports.tables import Column, Export

from . import xlsx

Progress = Callable[[int], None]
PROGRESS_EVERY = 5000
CSV_CHUNK = 64 * 1024  # bytes per chunk of a streamed response
# Excel's sheet: 1 048 576 rows, the header is one of them.
XLSX_MAX_ROWS = xlsx.MAX_ROWS
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"

# Column widths (in characters) when the header and the first rows do not say more.
_WIDTHS = {"money": 14, "quantity": 12, "count": 9, "percent": 9, "date": 11, "text": 12}
_MAX_WIDTH = 60
_SAMPLE_ROWS = 200  # rows read ahead to size the text columns


def _plain_number(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")  # never "1E+2"
    return str(value)


def csv_cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.numeric and isinstance(value, int | float | Decimal):
        return _plain_number(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape(value)


def csv_chunks(
    export: Export, *, progress: Progress | None = None, every: int | None = None
) -> Iterator[bytes]:
    """The file in chunks of about CSV_CHUNK bytes; `progress(rows)` every `every` rows
    and once at the end."""
    every = every or PROGRESS_EVERY
    columns = list(export.columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([escape(str(c.label)) for c in columns])
    written = 0
    for row in export.rows():
        writer.writerow([csv_cell(c, v) for c, v in zip(columns, row, strict=False)])
        written += 1
        if progress is not None and written % every == 0:
            progress(written)
        if buffer.tell() >= CSV_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
    if progress is not None:
        progress(written)


def sheet_name(label: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\ ."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in label).strip("' ")
    return cleaned[:31] or "Report"


def _text_width(value: Any) -> int:
    return len(str(value)) if value is not None else 0


def _widths(columns: Sequence[Column], sample: Sequence[Sequence[Any]]) -> list[int]:
    out = []
    for i, column in enumerate(columns):
        width = max(_WIDTHS.get(column.kind, 12), len(str(column.label)) + 2)
        if column.kind == "text":
            width = max([width, *(_text_width(row[i]) + 1 for row in sample if i < len(row))])
        out.append(min(width, _MAX_WIDTH))
    return out


def write_xlsx(
    export: Export,
    target: str | IO[bytes],
    *,
    title: str = "",
    progress: Progress | None = None,
    every: int | None = None,
) -> int:
    """Write the workbook to `target` (a path or a binary file); returns the data rows.

    Raises ValueError past XLSX_MAX_ROWS rather than cut the data silently.
    """
    columns = list(export.columns)
    rows = iter(export.rows())
    sample = list(itertools.islice(rows, _SAMPLE_ROWS))
    return xlsx.write_sheet(
        target,
        sheet=sheet_name(title or export.name),
        header=[str(c.label) for c in columns],
        kinds=[c.kind for c in columns],
        widths=_widths(columns, sample),
        rows=itertools.chain(sample, rows),
        progress=progress,
        every=every or PROGRESS_EVERY,
    )
