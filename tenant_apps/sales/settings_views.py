"""The number series page (/settings/numbering/): the pattern of each document type, with
the next number it gives.

A thin layer over services/numbering.py (pattern_check's errors come back on the field),
behind the matrix's `settings` resource; a document type shows while its module is on.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from dockpulse.actors import staff_actor
from dockpulse.web.access import module_on, require, staff_page
from dockpulse.web.forms import add_service_errors

from .models import DocumentType
from .services.numbering import number_preview, number_series_list, number_series_set, pattern_check

MODULE_OF = {DocumentType.ORDER: "@orders", DocumentType.QUOTE: "@quotes"}


class SeriesForm(forms.Form):
    document_type = forms.CharField(widget=forms.HiddenInput)
    pattern = forms.CharField(
        label=gettext_lazy("Pattern"),
        max_length=60,
        help_text=gettext_lazy(
            "One counter such as {NNN} (its width is the least number of digits), and "
            "optionally {YYYY}, {YY} and {MM}: the counter starts again with each new year "
            "or month in the pattern."
        ),
    )


def _document_types(request: HttpRequest) -> list[str]:
    shown = [t.value for t in DocumentType if module_on(request, MODULE_OF[t])]
    if not shown:
        raise Http404
    return shown


def _rows(request: HttpRequest, posted: SeriesForm | None = None) -> list[dict[str, Any]]:
    rows = []
    for document_type, pattern in number_series_list(_document_types(request)):
        form = (
            posted
            if posted is not None and posted.data.get("document_type") == document_type
            else SeriesForm(initial={"document_type": document_type, "pattern": pattern})
        )
        form.auto_id = f"id_{document_type}_%s"
        rows.append({
            "document_type": document_type,
            "label": DocumentType(document_type).label,
            "form": form,
            "next_number": number_preview(document_type, pattern),
        })  # fmt: skip
    return rows


@staff_page("settings")
def numbering(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "settings/numbering/index.html", {"rows": _rows(request)})
    require(request, "settings", "write")
    form = SeriesForm(request.POST)
    if form.is_valid() and form.cleaned_data["document_type"] in _document_types(request):
        try:
            number_series_set(
                document_type=form.cleaned_data["document_type"],
                pattern=form.cleaned_data["pattern"],
                actor=staff_actor(request.user),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            label = DocumentType(form.cleaned_data["document_type"]).label
            messages.success(request, _("The numbering of %(type)s is saved.") % {"type": label})
            return redirect("numbering:index")
    elif form.is_valid():
        raise Http404  # a document type whose module is off
    return render(
        request, "settings/numbering/index.html", {"rows": _rows(request, form)}, status=400
    )


@staff_page("settings")
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    """The fragment under a pattern as it is typed: the next number it would give, or
    what is wrong with it."""
    document_type = request.GET.get("document_type", "")
    if document_type not in _document_types(request):
        raise Http404
    number, error = "", ""
    try:
        number = number_preview(document_type, pattern_check(request.GET.get("pattern", "")))
    except ValidationError as exc:
        error = " ".join(exc.messages)
    return render(
        request,
        "settings/numbering/preview.html",
        {"document_type": document_type, "next_number": number, "error": error},
    )
