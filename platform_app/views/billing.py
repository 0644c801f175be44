"""Billing: the figures over 12 months, the records (filter, mark paid, void), generating a
month by hand, the CSV export (docs/platform.md, "Billing")."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from dockpulse import csvio
from platform_app.charts import month_label, months_chart, stacked_months_chart
from platform_app.forms_billing import BillingFilterForm, BillingGenerateForm, BillingVoidForm
from platform_app.models import BillingRecord
from platform_app.selectors_billing import billing_metrics, billing_record_list
from platform_app.services.billing import (
    billing_generate_month,
    billing_record_mark_paid,
    billing_record_void,
    platform_today,
    previous_month,
)

from .base import platform_page

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> str:
    return str(getattr(request.user, "email", "") or "admin")


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """To the page the form was on (its filters kept), never off this host's billing."""
    target = request.POST.get("next") or ""
    base = reverse("platform_billing")
    if not (
        target.startswith(base)
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        target = base
    return HttpResponseRedirect(target)


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _page(
    request: HttpRequest,
    *,
    generate_form: BillingGenerateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form = BillingFilterForm(request.GET or None)
    filters = form.filters()
    records = billing_record_list(**filters)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    metrics = billing_metrics()
    months = [m.month for m in metrics.months]
    plans = [(p.code, p.name) for p in metrics.plans]
    charts = {
        "mrr": months_chart(months, [m.mrr for m in metrics.months]),
        "arr": months_chart(months, [m.arr for m in metrics.months]),
        "collected": months_chart(months, [m.collected for m in metrics.months]),
        "churn": months_chart(months, [m.churn_pct or 0 for m in metrics.months]),
        "plans": stacked_months_chart(months, [m.tenants_by_plan for m in metrics.months], plans),
    }
    rows = [
        {
            "figures": m,
            "label": month_label(m.month),
            "plans": [m.tenants_by_plan.get(c, 0) for c, _n in plans],
        }
        for m in metrics.months
    ]
    to_bill = previous_month(platform_today())
    if generate_form is None:
        generate_form = BillingGenerateForm(initial={"month": to_bill})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "platform_app/billing/index.html",
        {
            "form": form,
            "filtered": any(filters.values()),
            "page": page,
            "query": query.urlencode(),
            "metrics": metrics,
            "current": metrics.months[-1],
            "charts": charts,
            "rows": rows,
            "plans": plans,
            "generate_form": generate_form,
            "to_bill": to_bill,
            "to_bill_label": month_label(to_bill),
            "void_form": BillingVoidForm(),
            "open_statuses": [BillingRecord.Status.PENDING, BillingRecord.Status.OVERDUE],
            "section": "billing",
        },
        status=status,
    )


@platform_page
@require_GET
def billing_index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@platform_page
@require_POST
def billing_generate(request: HttpRequest) -> HttpResponse:
    form = BillingGenerateForm(request.POST)
    if not form.is_valid():
        return _page(request, generate_form=form, status=400)
    month = form.cleaned_data["month"]
    try:
        result = billing_generate_month(month=month, actor=_actor(request))
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("month", message)
        return _page(request, generate_form=form, status=400)
    made = ngettext("%(count)d record made", "%(count)d records made", result.made) % {
        "count": result.made
    }
    existing = ngettext(
        "%(count)d already existed", "%(count)d already existed", result.existing
    ) % {"count": result.existing}
    messages.success(
        request,
        _("Billing for %(month)s: %(made)s, %(existing)s.")
        % {"month": month_label(result.month), "made": made, "existing": existing},
    )
    return _back(request)


def _record_words(record: BillingRecord) -> dict[str, str]:
    return {
        "tenant": record.tenant_slug,
        "month": date_format(record.period_start, "YEAR_MONTH_FORMAT"),
    }


@platform_page
@require_POST
def billing_mark_paid(request: HttpRequest, record_id: uuid.UUID) -> HttpResponse:
    try:
        record = billing_record_mark_paid(record_id=record_id, actor=_actor(request))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _back(request)
    messages.success(request, _("%(tenant)s, %(month)s: marked paid.") % _record_words(record))
    return _back(request)


@platform_page
@require_POST
def billing_void(request: HttpRequest, record_id: uuid.UUID) -> HttpResponse:
    form = BillingVoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the record is void."))
        return _back(request)
    try:
        record = billing_record_void(
            record_id=record_id, reason=form.cleaned_data["reason"], actor=_actor(request)
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _back(request)
    messages.success(request, _("%(tenant)s, %(month)s: void.") % _record_words(record))
    return _back(request)


CSV_HEADER = (
    "tenant", "month", "period_start", "period_end", "plan", "amount", "currency",
    "status", "due_date", "paid_at", "lines",
)  # fmt: skip


def _csv_row(record: BillingRecord) -> list[Any]:
    lines = ", ".join(
        f"{line.get('plan')} {line.get('days')}/{line.get('of_days')} {line.get('amount')}"
        for line in record.lines or []
    )
    return [
        record.tenant_slug,
        record.period_start.strftime("%Y-%m"),
        record.period_start.isoformat(),
        record.period_end.isoformat(),
        record.plan.code,
        f"{record.amount:.2f}",
        record.currency,
        record.status,
        record.due_date.isoformat() if record.due_date else "",
        record.paid_at.isoformat() if record.paid_at else "",
        lines,
    ]


@platform_page
@require_GET
def billing_export(request: HttpRequest) -> HttpResponse:
    """The filtered records as CSV (UTF-8 with BOM, `;`: dockpulse.csvio, what Polish Excel
    opens); amounts with a dot, dates ISO, so a spreadsheet or a script reads them alike."""
    form = BillingFilterForm(request.GET or None)
    records = billing_record_list(**form.filters())
    body = csvio.write(CSV_HEADER, (_csv_row(r) for r in records.iterator()))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="billing.csv"'
    return response


urlpatterns = [
    path("billing/", billing_index, name="platform_billing"),
    path("billing/export.csv", billing_export, name="platform_billing_export"),
    path("billing/generate/", billing_generate, name="platform_billing_generate"),
    path("billing/<uuid:record_id>/paid/", billing_mark_paid, name="platform_billing_paid"),
    path("billing/<uuid:record_id>/void/", billing_void, name="platform_billing_void"),
]
