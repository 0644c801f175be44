"""Forms of the tenants list: the GET filters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BusinessTemplate, Tenant
from .selectors_tenants import TenantFilters


class TenantFilterForm(forms.Form):
    """GET filters; an unknown choice is ignored rather than an error page (ChoiceField
    refuses it, and an invalid form filters nothing)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        strip=True,
        widget=forms.SearchInput(attrs={"placeholder": _("Address or name")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    plan = forms.ChoiceField(label=_("Plan"), required=False)
    template = forms.ChoiceField(label=_("Business template"), required=False)

    def __init__(self, *args: Any, plans: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = ("", _("All"))
        status, plan, template = (
            cast(forms.ChoiceField, self.fields[name]) for name in ("status", "plan", "template")
        )
        status.choices = [anything, *Tenant.Status.choices]
        plan.choices = [anything, *plans]
        template.choices = [anything, *BusinessTemplate.choices]
        for name in ("status", "plan", "template"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""

    def filters(self) -> TenantFilters:
        if not self.is_valid():
            # Keep what is valid of a half-bad query: the search still applies.
            q = str(self.data.get("q", ""))[:100].strip() if "q" not in self.errors else ""
            return TenantFilters(q=q)
        data = self.cleaned_data
        return TenantFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            plan=data.get("plan") or "",
            template=data.get("template") or "",
        )
