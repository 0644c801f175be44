"""Whether this process can render PDFs: the WeasyPrint package installed and the system
libraries it loads present (Pango >= 1.44 and its companions)."""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MISSING_PACKAGE = "package"
MISSING_LIBRARY = "library"
OLD_LIBRARY = "old"
BROKEN = "broken"

# What WeasyPrint loads (weasyprint/text/ffi.py), by the names Linux and macOS give them.
# Checked with a dlopen of our own: importing WeasyPrint takes ~0.6 s, too much for the
# first page of a worker that only asks whether to show the PDF link.
LIBRARIES: dict[str, tuple[str, ...]] = {
    "gobject-2.0": ("libgobject-2.0.so.0", "libgobject-2.0.0.dylib"),
    "pango-1.0": ("libpango-1.0.so.0", "libpango-1.0.dylib"),
    "harfbuzz": ("libharfbuzz.so.0", "libharfbuzz.0.dylib"),
    "fontconfig": ("libfontconfig.so.1", "libfontconfig.1.dylib"),
    "pangoft2-1.0": ("libpangoft2-1.0.so.0", "libpangoft2-1.0.dylib"),
}
PANGO_MINIMUM = 14400  # 1.44.0, as pango_version() counts


@dataclass(frozen=True, slots=True)
class PdfStatus:
    available: bool
    reason: str = ""


class PdfUnavailable(Exception):
    """PDFs cannot be rendered here; `message` says why, in words for the staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _load(names: tuple[str, ...]) -> ctypes.CDLL | None:
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def pango_version(library: ctypes.CDLL) -> int:
    library.pango_version.restype = ctypes.c_int
    return int(library.pango_version())


@functools.cache
def _probe() -> str | None:
    """None when PDFs can be rendered, else what is missing. Once per process: libraries
    do not appear while it runs."""
    if importlib.util.find_spec("weasyprint") is None:
        logger.warning("PDF documents unavailable: the weasyprint package is not installed")
        return MISSING_PACKAGE
    loaded = {name: _load(names) for name, names in LIBRARIES.items()}
    missing = [name for name, library in loaded.items() if library is None]
    if missing:
        logger.warning("PDF documents unavailable: cannot load %s", ", ".join(missing))
        return MISSING_LIBRARY
    pango = loaded["pango-1.0"]
    assert pango is not None
    if pango_version(pango) < PANGO_MINIMUM:
        logger.warning(
            "PDF documents unavailable: Pango %s is older than 1.44", pango_version(pango)
        )
        return OLD_LIBRARY
    return None


def pdf_status() -> PdfStatus:
    problem = _probe()
    if problem is None:
        return PdfStatus(available=True)
    return PdfStatus(available=False, reason=reason_for(problem))


def reason_for(problem: str) -> str:
    if problem == MISSING_LIBRARY:
        return _(
            "PDF documents are unavailable on this server: the Pango library is not installed."
        )
    if problem == OLD_LIBRARY:
        return _(
            "PDF documents are unavailable on this server: its Pango library is older than "
            "version 1.44."
        )
    if problem == MISSING_PACKAGE:
        return _(
            "PDF documents are unavailable on this server: the WeasyPrint package is not installed."
        )
    return _("PDF documents are unavailable on this server: the PDF library failed to load.")


def require_pdf() -> None:
    status = pdf_status()
    if not status.available:
        raise PdfUnavailable(status.reason)
