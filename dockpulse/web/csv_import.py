"""CSV import on the panel: upload, a dry-run preview of every bad row, then the import.

One flow for every app whose service imports CSV the way the API does
(`<entity>_import(raw=..., dry_run=..., actor=...) -> csvio.ImportReport`, all or
nothing). The upload is checked with `dry_run=True` and nothing is written; the preview
lists each bad row's line, column and message, or says how many rows would be created.
A clean file is stashed (dockpulse.web.uploads) under a token bound to the user, and
"Confirm import" posts only the token: the import runs again over the same bytes, and
checks every row again before it writes (another user may have taken a phone since).

    customer_import = staff_page("customers", "write", module="@customers")(
        CsvImport(run=services.customer_import, ...).view
    )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dockpulse import csvio
from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError

from .forms import add_service_errors
from .uploads import drop_upload, peek_upload, stash_upload

TEMPLATE = "panel/csv_import.html"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or Windows-1250, separated by semicolons or commas; at most 5 MB."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )


@dataclass(frozen=True)
class Problem:
    """One message about one row (or the whole file) of the upload."""

    line: int | None
    column: str
    message: str


def problems_of(report: csvio.ImportReport) -> list[Problem]:
    """The report's errors, one line per message, in file order."""
    found = []
    for error in report.errors:
        for column, messages_ in error.get("fields", {}).items():
            for message in messages_:
                found.append(Problem(line=error.get("line"), column=column, message=message))
    return found


def _messages(error: ValidationError | DomainError) -> str:
    if isinstance(error, DomainError):
        return str(error.message)
    return " ".join(error.messages)


@dataclass(frozen=True)
class CsvImport:
    """The import page of one kind of record.

    `run` is the app's import service; `list_url` (a URL name) is where a finished
    import goes; `template_url` offers a file with the right header; `columns` are
    listed on the upload form; `done` words the success message for a count.
    """

    run: Callable[..., csvio.ImportReport]
    title: Any
    list_url: str
    done: Callable[[int], str]
    columns: Callable[[], Sequence[str]] = tuple
    template_url: str | None = None
    template: str = TEMPLATE
    extra: Mapping[str, Any] = field(default_factory=dict)

    def view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self._page(request, UploadForm())
        if "token" in request.POST:
            return self._confirm(request)
        return self._preview(request)

    # --- steps ---------------------------------------------------------------------------

    def _preview(self, request: HttpRequest) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, status=400)
        # One byte past the limit is enough for the service to refuse the size.
        raw = form.cleaned_data["file"].read(csvio.MAX_BYTES + 1)
        try:
            report = self._run(request, raw, dry_run=True)
        except (ValidationError, DomainError) as exc:  # the file as a whole; a plan limit
            add_service_errors(form, exc)
            return self._page(request, form, status=400)
        token = None if report.errors else stash_upload(user=request.user, raw=raw)
        return self._page(request, UploadForm(), report=report, token=token)

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        token = request.POST.get("token", "")
        raw = peek_upload(user=request.user, token=token)
        if raw is None:
            notice = _("This upload has expired or was not yours. Upload the file again.")
            return self._page(request, UploadForm(), notice=notice, status=400)
        try:
            report = self._run(request, raw, dry_run=False)
        except (ValidationError, DomainError) as exc:
            drop_upload(user=request.user, token=token)
            return self._page(request, UploadForm(), notice=_messages(exc), status=400)
        drop_upload(user=request.user, token=token)
        if report.errors:
            # The data changed since the preview (a phone taken meanwhile): nothing was
            # written; the rows say why.
            return self._page(request, UploadForm(), report=report, status=400)
        messages.success(request, self.done(report.created))
        return redirect(self.list_url)

    def _run(self, request: HttpRequest, raw: bytes, *, dry_run: bool) -> csvio.ImportReport:
        return self.run(raw=raw, dry_run=dry_run, actor=staff_actor(request.user))

    def _page(
        self,
        request: HttpRequest,
        form: UploadForm,
        *,
        report: csvio.ImportReport | None = None,
        token: str | None = None,
        notice: Any = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "title": self.title,
            "form": form,
            "report": report,
            "problems": problems_of(report) if report else [],
            "token": token,
            "notice": notice,
            "columns": self.columns(),
            "list_url": reverse(self.list_url),
            "template_url": reverse(self.template_url) if self.template_url else None,
            **self.extra,
        }
        return render(request, self.template, context, status=status)
