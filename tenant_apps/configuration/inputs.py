"""Cleaning what an admin sends to the settings API, before a service writes it.

A field rule is addressed as `{entity}.{field}`; which entities and fields exist is what
the owning apps declared (`extensions.configurable_fields`), so no query is needed to
refuse an unknown one. Per-field problems are Django's ValidationError, with the
messages the API has always answered with. The company profile's values are cleaned here too
(its NIP checksum, phone, e-mail, language, time zone and logo).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip as nip_number

from dockpulse import extensions
from dockpulse.inputs import clean_fields
from dockpulse.phones import normalize_phone


class FieldRuleChanges(TypedDict, total=False):
    """A field rule's new values; only the keys present change."""

    is_visible: bool
    is_required: bool
    display_order: int


def field_rule_target(key: str) -> tuple[str, str]:
    """(entity, field) of a `customer.nip` key: a configurable field some app declared."""
    entity, _dot, field_name = key.partition(".")
    declared = extensions.entities().get(entity)
    if declared is None:
        raise ValidationError({"entity_type": [_("Unknown entity.")]})
    if field_name in declared.core:
        raise ValidationError({"field_name": [_("This field is always shown and required.")]})
    if field_name not in declared.configurable:
        raise ValidationError({"field_name": [_("Unknown field.")]})
    return entity, field_name


def field_rule_changes(
    *,
    is_visible: bool | None = None,
    is_required: bool | None = None,
    display_order: int | None = None,
) -> FieldRuleChanges:
    if is_visible is False and is_required:
        raise ValidationError({"is_required": [_("A hidden field cannot be required.")]})
    changes = FieldRuleChanges()
    if is_visible is not None:
        changes["is_visible"] = is_visible
    if is_required is not None:
        changes["is_required"] = is_required
    if display_order is not None:
        changes["display_order"] = display_order
    return changes


# --- the company profile ----------------------------------------------------------------

LOGO_MAX_BYTES = 1024 * 1024
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_START = b"\xff\xd8\xff"


@dataclass(frozen=True, slots=True)
class Logo:
    """An uploaded logo that is a PNG or JPEG image by its content (not its name)."""

    content: bytes
    extension: str  # "png" | "jpg"

    @property
    def content_type(self) -> str:
        return LOGO_CONTENT_TYPES[self.extension]


LOGO_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


class CompanyChanges(TypedDict, total=False):
    """The company profile's new values; only the keys present change. `logo` None
    removes the logo."""

    name: str
    nip: str
    street: str
    postal_code: str
    city: str
    country: str
    email: str
    phone: str
    language: str
    time_zone: str
    logo: Logo | None


def image_kind(head: bytes) -> str | None:
    """The kind of image `head` (a file's first bytes) opens: "png", "jpg" or None.

    By the bytes, not the file name or the browser's content type, which the uploader
    chooses: a PNG's signature and its IHDR chunk first, a JPEG's SOI marker followed by
    another marker. (No image library is a dependency; the logo is only ever served back
    as the type found here, with nosniff, and drawn by browsers and the PDF renderer.)
    """
    if head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR":
        width = int.from_bytes(head[16:20], "big")
        height = int.from_bytes(head[20:24], "big")
        return "png" if width > 0 and height > 0 else None
    if head.startswith(_JPEG_START) and len(head) > 3 and head[3] >= 0xC0:
        return "jpg"
    return None


def clean_logo(upload: Any) -> Logo | None:
    """An uploaded file (Django's UploadedFile) as a Logo; None stays None (no logo)."""
    if upload is None:
        return None
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo may be at most 1 MB."))
    content = upload.read()
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo may be at most 1 MB."))
    kind = image_kind(content[:32])
    if kind is None:
        raise ValidationError(_("Upload a PNG or JPEG image."))
    return Logo(content=content, extension=kind)


def _clean_company_name(raw: object) -> str:
    name = str(raw or "").strip()
    if not name:
        raise ValidationError(_("Enter the company's name."))
    return name[:255]


def _clean_nip(raw: object) -> str:
    if not raw or not str(raw).strip():
        return ""
    try:
        return str(nip_number.validate(str(raw)))
    except StdnumError as exc:
        raise ValidationError(_("This is not a valid NIP (check the digits).")) from exc


def _clean_text(limit: int) -> Any:
    def clean(raw: object) -> str:
        return str(raw or "").strip()[:limit]

    return clean


def _clean_country(raw: object) -> str:
    country = str(raw or "PL").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(_("The country is a two-letter code, e.g. PL."))
    return country


def _clean_email(raw: object) -> str:
    email = str(raw or "").strip().lower()
    if email:
        validate_email(email)
    return email


def _clean_phone(raw: object) -> str:
    phone = str(raw or "").strip()
    return normalize_phone(phone) if phone else ""


def _clean_language(raw: object) -> str:
    if raw not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose one of the offered languages."))
    return str(raw)


def _clean_time_zone(raw: object) -> str:
    if str(raw or "") not in available_time_zones():
        raise ValidationError(_("Choose a time zone from the list."))
    return str(raw)


def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


_COMPANY_CLEANERS = {
    "name": _clean_company_name,
    "nip": _clean_nip,
    "street": _clean_text(255),
    "postal_code": _clean_text(20),
    "city": _clean_text(100),
    "country": _clean_country,
    "email": _clean_email,
    "phone": _clean_phone,
    "language": _clean_language,
    "time_zone": _clean_time_zone,
    "logo": clean_logo,
}


def company_changes(given: Mapping[str, Any]) -> CompanyChanges:
    """Clean the company profile's given values (all problems at once, per field)."""
    cleaned = clean_fields(given, cleaners=_COMPANY_CLEANERS, required=(), entity="company")
    changes = CompanyChanges()
    for key, value in cleaned.items():
        changes[key] = value  # type: ignore[literal-required]
    return changes
