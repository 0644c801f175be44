"""The staff's reply form on a customer's thread."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BODY_MAX_LENGTH


class ReplyForm(forms.Form):
    # Not required here: an empty or too long text is the service's refusal, in the same
    # words as everywhere else.
    body = forms.CharField(
        label=_("Your reply"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": BODY_MAX_LENGTH}),
    )
