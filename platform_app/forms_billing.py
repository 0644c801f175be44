"""The billing page's forms: the records' filters, generating a month, voiding a record."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import BillingRecord


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return value.strftime("%Y-%m")
        return super().format_value(value)


class MonthField(forms.Field):
    """A month typed as YYYY-MM (what <input type="month"> sends), as its first day."""

    widget = MonthInput
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def to_python(self, value: Any) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        try:
            year, month = str(value).strip().split("-")[:2]
            first = date(int(year), int(month), 1)
        except (TypeError, ValueError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        # Billing began in this century; a year far off is a typo (and 9999-12 has no
        # next month to name in the "not ended yet" message).
        if not 2000 <= first.year <= 2100:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return first


class BillingFilterForm(forms.Form):
    """GET filters; an invalid value filters nothing and shows its error on the field."""

    month = MonthField(label=_("Month"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *BillingRecord.Status.choices],
    )
    tenant = forms.CharField(label=_("Tenant"), required=False, max_length=40, strip=True)

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {"month": None, "status": "", "tenant": ""}
        data = self.cleaned_data
        return {
            "month": data.get("month"),
            "status": data.get("status") or "",
            "tenant": data.get("tenant") or "",
        }


class BillingGenerateForm(forms.Form):
    month = MonthField(label=_("Month"))


class BillingVoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, strip=True)
