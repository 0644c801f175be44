"""Forms of the tenant operations pages: create, suspend, delete, restore.

The rules live in the services (platform_app.services); the forms check what a person
typed (the same slug rules through `tenant_slug_validate`) so the page can say it on the
field before anything runs, and the services' own refusals land on the fields too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dockpulse.tenancy.validation import SLUG_MAX, SLUG_MIN
from platform_app.models import BusinessTemplate, Plan
from platform_app.services.provisioning import tenant_slug_validate


def _clean_new_slug(value: str) -> str:
    slug = value.strip().lower()  # as tenant_create normalises it
    tenant_slug_validate(slug)
    return slug


class TenantCreateForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=255)
    # No max_length on the input: a slug too long is said in words by the check, not cut.
    slug = forms.CharField(
        label=_("Address"),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    template = forms.ChoiceField(label=_("Business template"), choices=BusinessTemplate.choices)
    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=Plan.objects.none(), to_field_name="code", empty_label=None
    )
    admin_email = forms.EmailField(
        label=_("First admin's e-mail"),
        help_text=_("They get an e-mail with a link to set their password."),
    )
    admin_name = forms.CharField(label=_("First admin's name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Tenant's language"),
        choices=settings.LANGUAGES,  # the codes of Tenant.language, named in the page's language
        help_text=_("Of its panel and its e-mails, this invitation included."),
    )

    def __init__(self, *args: Any, base_domain: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = self.fields["plan"]
        assert isinstance(plan, forms.ModelChoiceField)
        plan.queryset = Plan.objects.filter(is_active=True).order_by("price_monthly", "code")
        slug = self.fields["slug"]
        slug.help_text = gettext(
            "Lower-case letters, digits and hyphens, %(min)d to %(max)d characters: "
            "the tenant's panel will be at address.%(domain)s."
        ) % {"min": SLUG_MIN, "max": SLUG_MAX, "domain": base_domain}
        slug.widget.attrs["maxlength"] = str(SLUG_MAX * 2)  # typed past 40 still says why

    def clean_slug(self) -> str:
        return _clean_new_slug(self.cleaned_data["slug"])


class TenantSuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Kept with the tenant and in the audit log."),
    )


class TenantDeleteForm(forms.Form):
    confirm = forms.CharField(
        label=_("Type the address to confirm"),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, slug: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slug = slug
        self.fields["confirm"].help_text = gettext("Type %(slug)s.") % {"slug": slug}

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed != self.slug:
            raise ValidationError(
                _("That is not %(slug)s; nothing was deleted.") % {"slug": self.slug},
                code="mismatch",
            )
        return typed


class TenantRestoreForm(forms.Form):
    """A backup of this tenant (only those the list shows: never a path on the server)
    restored as a new tenant."""

    backup = forms.ChoiceField(label=_("Backup"))
    new_slug = forms.CharField(
        label=_("New address"),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, backups: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        backup = self.fields["backup"]
        assert isinstance(backup, forms.ChoiceField)
        backup.choices = [(name, name) for name in backups]

    def clean_new_slug(self) -> str:
        return _clean_new_slug(self.cleaned_data["new_slug"])
