from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def validation_error_line(exc: ValidationError) -> CommandError:
    """One line naming each bad field, with exit code 2 (bad input)."""
    if hasattr(exc, "error_dict"):
        parts = [f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()]
    else:
        parts = list(exc.messages)
    return CommandError("; ".join(parts), returncode=2)


def bad_input(message: str) -> CommandError:
    return CommandError(message, returncode=2)


@contextmanager
def progress(total: int, stream: Any, unit: str = "tenant") -> Iterator[Any]:
    """A tqdm bar on a terminal; on a pipe or in a log, nothing (callers print lines)."""
    from tqdm import tqdm

    interactive = stream.isatty() if hasattr(stream, "isatty") else False
    with tqdm(total=total, unit=unit, file=sys.stderr, disable=not interactive) as bar:
        yield bar


def table(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> list[str]:
    widths = [max(len(str(v)) for v in col) for col in zip(header, *rows, strict=False)]
    return [
        "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
