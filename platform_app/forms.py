"""Forms of the platform's pages: the second-factor code, the audit log's filters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .audit_actions import action_label
from .selectors import AuditFilterOptions


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}
        ),
    )


class EnrolmentCodeForm(OtpCodeForm):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )


class AuditFilterForm(forms.Form):
    """GET filters; an unknown value is simply no match (ChoiceField refuses it: no filter)."""

    tenant = forms.ChoiceField(label=_("Tenant"), required=False)
    admin = forms.ChoiceField(label=_("Admin"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, *args: Any, options: AuditFilterOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = ("", _("All"))
        tenant, admin, action = (
            cast(forms.ChoiceField, self.fields[name]) for name in ("tenant", "admin", "action")
        )
        tenant.choices = [anything, *[(s, s) for s in options.tenant_slugs]]
        admin.choices = [anything, *[(e, e) for e in options.admin_emails]]
        action.choices = [
            anything,
            *sorted(((a, action_label(a)) for a in options.actions), key=lambda c: c[1]),
        ]
        for field in self.fields.values():
            field.widget.attrs["data-autosubmit"] = ""

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"tenant_slug": "", "admin_email": "", "action": ""}
        data = self.cleaned_data
        return {
            "tenant_slug": data.get("tenant") or "",
            "admin_email": data.get("admin") or "",
            "action": data.get("action") or "",
        }
