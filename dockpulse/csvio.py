"""CSV in and out the way Polish spreadsheets write and read it.

In: UTF-8 with or without BOM, or cp1250 (Excel's "CSV" on Polish Windows); `;` or `,`
separators, detected. Out: UTF-8 with BOM and `;`, which Excel opens correctly; cells that
a spreadsheet would run as formulas are prefixed with an apostrophe (CSV injection), and
that prefix is taken off again on import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_BYTES = 5 * 1024 * 1024


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
