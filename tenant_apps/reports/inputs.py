"""The reports' filters: one form per report, read from the query string by the page and
by the API (a bad value is a per-field error on both: the page shows it on its field,
the API answers 400 with the same messages).

Each form's `filters()` turns its cleaned data into the selector's filters dataclass.
Defaults: a range ends today (the tenant's today) and starts 29 days before (the funnel:
89), so an empty query string is a sensible report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenant_apps.products.models import Product
from tenant_apps.stock.models import Warehouse

from .periods import GRAINS, DateRange, tenant_today
from .selectors.funnel import FunnelFilters
from .selectors.rankings import TopFilters
from .selectors.sales import GROUPS, SalesFilters
from .selectors.stock import LowStockFilters, StockValueFilters

MAX_DAYS = 3661  # ten years and a leap day or two
TOP_LIMIT_MAX = 500


# The days a report may name: the years a business has records of (and Excel's dates),
# not year 1 or 9999, where a day's end or a period's next start would not exist.
FIRST_DAY = dt.date(1900, 3, 1)
LAST_DAY = dt.date(2999, 12, 31)


def _in_range(value: dt.date | None) -> None:
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(
            _("Enter a day between %(first)s and %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        validators=[_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _choices(first: Any, options: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", first), *options]


class ReportForm(forms.Form):
    """The fields a report takes; unknown query parameters are ignored (the page's own,
    such as `page`, share the query string)."""

    def clean_value(self, name: str, default: Any) -> Any:
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def filters(self) -> Any:
        raise NotImplementedError


class RangeForm(ReportForm):
    default_days = 30

    date_from = _date(_("From"))
    date_to = _date(_("To"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        today = tenant_today()
        end = data.get("date_to") or today
        start = data.get("date_from") or end - dt.timedelta(days=self.default_days - 1)
        if start > end:
            self.add_error("date_to", _("The end of the range is before its start."))
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("date_from", _("A report covers at most ten years."))
        data["range"] = DateRange(start, end)
        return data


class GrainMixin(forms.Form):
    grain = forms.ChoiceField(label=_("Per"), required=False, choices=list(GRAINS.items()))


def _warehouse_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Warehouse"), required=False)


def _category_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Category"), required=False)


class StockChoicesMixin(forms.Form):
    """Warehouse and category choices are the tenant's own, read when the form is made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "warehouse" in self.fields:
            field = self.fields["warehouse"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = _choices(
                _("All warehouses"),
                [(str(w.pk), f"{w.code} {w.name}") for w in Warehouse.objects.order_by("code")],
            )
        if "category" in self.fields:
            field = self.fields["category"]
            assert isinstance(field, forms.ChoiceField)
            categories = (
                Product.objects.exclude(category="")
                .order_by("category")
                .values_list("category", flat=True)
                .distinct()
            )
            field.choices = _choices(_("All categories"), [(c, c) for c in categories])


class SalesForm(GrainMixin, RangeForm):
    group_by = forms.ChoiceField(
        label=_("Grouped by"),
        required=False,
        choices=_choices(_("Nothing (totals)"), list(GROUPS.items())),
    )
    field_order = ["date_from", "date_to", "grain", "group_by"]

    def filters(self) -> SalesFilters:
        return SalesFilters(
            range=self.cleaned_data["range"],
            grain=self.clean_value("grain", "day"),
            group_by=self.clean_value("group_by", ""),
        )


class FunnelForm(GrainMixin, RangeForm):
    default_days = 90
    field_order = ["date_from", "date_to", "grain"]

    def filters(self) -> FunnelFilters:
        return FunnelFilters(
            range=self.cleaned_data["range"], grain=self.clean_value("grain", "week")
        )


class TopForm(StockChoicesMixin, RangeForm):
    limit = forms.IntegerField(
        label=_("How many"), required=False, min_value=1, max_value=TOP_LIMIT_MAX,
        widget=forms.NumberInput(attrs={"placeholder": "20", "size": 4}),
    )  # fmt: skip

    def filters(self) -> TopFilters:
        return TopFilters(
            range=self.cleaned_data["range"],
            limit=self.clean_value("limit", 20),
            by=self.cleaned_data.get("by") or "gross",
            category=self.cleaned_data.get("category") or "",
        )


class TopCustomersForm(TopForm):
    field_order = ["date_from", "date_to", "limit"]


class TopProductsForm(TopForm):
    by = forms.ChoiceField(
        label=_("Ranked by"),
        required=False,
        choices=[("gross", _("Gross revenue")), ("quantity", _("Quantity"))],
    )
    category = _category_field()
    field_order = ["date_from", "date_to", "by", "category", "limit"]


class StockValueForm(StockChoicesMixin, ReportForm):
    as_of = _date(_("On the day"))
    warehouse = _warehouse_field()
    category = _category_field()
    include_zero = forms.BooleanField(label=_("Show zero quantities"), required=False)

    def clean_as_of(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("as_of")
        if value is not None and value > tenant_today():
            raise ValidationError(_("Stock is known up to today, not for a later day."))
        return value

    def filters(self) -> StockValueFilters:
        return StockValueFilters(
            as_of=self.clean_value("as_of", tenant_today()),
            warehouse=self.cleaned_data.get("warehouse") or None,
            category=self.cleaned_data.get("category") or "",
            include_zero=bool(self.cleaned_data.get("include_zero")),
        )


class LowStockForm(StockChoicesMixin, ReportForm):
    warehouse = _warehouse_field()
    category = _category_field()

    def filters(self) -> LowStockFilters:
        return LowStockFilters(
            warehouse=self.cleaned_data.get("warehouse") or None,
            category=self.cleaned_data.get("category") or "",
        )
