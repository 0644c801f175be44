"""Forms of the plans pages: a plan, and a tenant's plan change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ModuleRegistry
from .services.plans import CORE_MODULES, PlanValues

# The model's PositiveIntegerField is a PostgreSQL integer: a larger number would be a
# DataError (a 500) at save instead of an error on the field.
PG_INTEGER_MAX = 2_147_483_647


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("Lower-case letters, digits and hyphens; used by commands and the API."),
    )
    price_monthly = forms.DecimalField(
        label=_("Monthly price"), max_digits=10, decimal_places=2, localize=True
    )
    price_yearly = forms.DecimalField(
        label=_("Yearly price"), max_digits=10, decimal_places=2, localize=True
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="PLN")
    max_users = forms.IntegerField(
        label=_("Max users"),
        required=False,
        max_value=PG_INTEGER_MAX,
        help_text=_("Empty means unlimited."),
    )
    max_customers = forms.IntegerField(
        label=_("Max customers"),
        required=False,
        max_value=PG_INTEGER_MAX,
        help_text=_("Empty means unlimited."),
    )
    modules = forms.MultipleChoiceField(
        label=_("Modules included"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Customers, products and orders are in every plan."),
    )
    is_active = forms.BooleanField(
        label=_("Offered (new tenants and plan changes can choose it)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, modules: list[ModuleRegistry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["modules"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(m.code, f"{m.name} ({m.code})") for m in modules]
        if not self.is_bound and "modules" not in self.initial:
            self.initial["modules"] = [m.code for m in modules if m.code in CORE_MODULES]

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().lower()

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()

    def values(self) -> PlanValues:
        data = self.cleaned_data
        return PlanValues(
            code=data["code"],
            name=data["name"],
            price_monthly=data["price_monthly"],
            price_yearly=data["price_yearly"],
            currency=data["currency"],
            max_users=data["max_users"],
            max_customers=data["max_customers"],
            modules=tuple(data["modules"]),
            is_active=data["is_active"],
        )


class TenantPlanForm(forms.Form):
    plan = forms.ChoiceField(label=_("New plan"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["plan"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
