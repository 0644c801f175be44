"""Export files as HTTP responses, for the pages and the API alike.

An inline export (at most REPORTS_EXPORT_INLINE_ROWS rows: a second or two) is written
to a temporary file within the request -- rows read through a server-side cursor, so
memory stays flat -- and then streamed from that file. Not streamed straight from the
cursor: a slow client would then hold the report's transaction and a web worker open for
as long as it reads (two slow downloads could stall a two-worker site), and an error
halfway would cut the file short without a word. An XLSX could not be streamed as it is
made anyway (a zip's directory comes last).
"""

from __future__ import annotations

import tempfile

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseBase
from django.utils import translation

from tenant_apps.reports.models import ReportExport
from tenant_apps.reports.sql import report_session

from . import writers
from .services import ExportStart


def _private(response: HttpResponseBase) -> HttpResponseBase:
    # A company's figures: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def file_response(result: ExportStart) -> HttpResponseBase:
    """The inline export of `result` (report_export_start with `result.inline`)."""
    assert result.export is not None, "a queued export has no file yet"
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    try:
        with translation.override(result.language), report_session():
            if result.fmt == "csv":
                for chunk in writers.csv_chunks(result.export):
                    handle.write(chunk)
            else:
                writers.write_xlsx(result.export, handle, title=str(result.report.label))
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    content_type = writers.CSV_MIME if result.fmt == "csv" else writers.XLSX_MIME
    return _private(
        FileResponse(
            handle, as_attachment=True, filename=result.filename, content_type=content_type
        )
    )


def download_response(job: ReportExport) -> HttpResponseBase:
    """A finished export's stored file (the caller has checked it is the user's own and
    done). Raises FileNotFoundError when the file is gone (the caller says "expired")."""
    handle = default_storage.open(job.file, "rb")
    content_type = writers.XLSX_MIME if job.format == ReportExport.Format.XLSX else writers.CSV_MIME
    return _private(
        FileResponse(handle, as_attachment=True, filename=job.file_name, content_type=content_type)
    )
