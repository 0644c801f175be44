"""Slug rules (docs/tenancy.md, "Databases"). PostgreSQL cuts names at 63 bytes with only a NOTICE,
so slugs are at most 40 characters."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SLUG_RE = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]")
SLUG_MIN, SLUG_MAX = 3, 40
RESERVED_SLUGS = frozenset(
    {
        "app", "www", "admin", "api", "static", "media", "portal", "platform",
        "template", "test", "mail",
        # path segments of the platform's tenant pages (/tenants/new/)
        "new", "check-slug",
    }
)  # fmt: skip


def validate_slug_format(slug: str) -> None:
    if not SLUG_MIN <= len(slug) <= SLUG_MAX:
        raise ValidationError(
            _("The address must be %(min)d to %(max)d characters long (it has %(len)d).")
            % {"min": SLUG_MIN, "max": SLUG_MAX, "len": len(slug)},
            code="length",
        )
    if not SLUG_RE.fullmatch(slug):
        raise ValidationError(
            _(
                "The address may use only lower-case letters, digits and hyphens, "
                "must start with a letter and must not end with a hyphen."
            ),
            code="format",
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError(
            _("The address %(slug)s is reserved.") % {"slug": slug}, code="reserved"
        )
