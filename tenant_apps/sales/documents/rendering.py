"""HTML to PDF with WeasyPrint, imported only when a document is rendered.

WeasyPrint fetches what a document refers to (stylesheets, fonts, images) through a URL
fetcher. Ours fetches only the shipped font files and data: URIs (the embedded logo):
nothing from the network and no other file, whatever text a customer's name or notes
hold -- that text is escaped by the template anyway; this is the second lock.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings

from .status import BROKEN, PdfUnavailable, reason_for, require_pdf

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


logger = logging.getLogger(__name__)


class FetchRefused(ValueError):
    """A URL the documents' fetcher does not open."""


@functools.cache
def _font_bytes() -> dict[str, bytes]:
    """The allowed files by absolute path, read once per process."""
    return {
        str((FONTS_DIR / name).resolve()): (FONTS_DIR / name).read_bytes() for name in FONT_FILES
    }


def base_url() -> str:
    return FONTS_DIR.resolve().as_uri() + "/"


def allowed_file(url: str) -> bytes:
    """The bytes of an allowed font file named by a file: URL, else FetchRefused."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefused(url)
    path = str(Path(unquote(parts.path)).resolve())
    content = _font_bytes().get(path)
    if content is None:
        raise FetchRefused(url)
    return content


@functools.cache
def _fetcher_class() -> type[Any]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DocumentFetcher(URLFetcher):
        """data: URIs and the shipped fonts; everything else is refused."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            content = allowed_file(url)
            kind = mimetypes.guess_type(url)[0] or "application/octet-stream"
            return URLFetcherResponse(url, content, {"Content-Type": kind})

    return DocumentFetcher


def fetcher() -> Any:
    return _fetcher_class()()


def html_to_pdf(html: str, css: str) -> bytes:
    """The PDF of `html` styled by `css` (relative URLs in either name font files)."""
    require_pdf()
    try:
        # WeasyPrint prints installation advice to stdout when a library fails to load.
        with contextlib.redirect_stdout(io.StringIO()):
            from weasyprint import CSS, HTML
            from weasyprint.text.fonts import FontConfiguration
    except (ImportError, OSError) as exc:
        # The probe found the libraries, yet WeasyPrint refused them (a build without a
        # symbol it needs): no PDFs here, said as such rather than as a server error.
        logger.exception("WeasyPrint failed to load")
        raise PdfUnavailable(reason_for(BROKEN)) from exc

    # Seven INFO lines per document ("Step 1 - Fetching and parsing HTML"...) are noise in
    # the server's log; warnings (a refused URL, a missing glyph) still get through.
    progress = logging.getLogger("weasyprint.progress")
    if progress.level == logging.NOTSET:
        progress.setLevel(logging.WARNING)
    fonts = FontConfiguration()
    url_fetcher = fetcher()
    stylesheet = CSS(string=css, base_url=base_url(), url_fetcher=url_fetcher, font_config=fonts)
    document = HTML(string=html, base_url=base_url(), url_fetcher=url_fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet], font_config=fonts)
    return pdf
