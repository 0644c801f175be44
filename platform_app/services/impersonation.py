"""A platform admin opening a tenant's panel as its admin (docs/platform.md,
"Impersonation").

The platform host makes a grant and a one-time token; the browser carries the token to
the tenant's host, which redeems it (platform_app.impersonation_directory) within
PLATFORM_IMPERSONATION_REDEEM_SECONDS and signs the browser in as the tenant's admin until
`expires_at`. Only the token's SHA-256 is stored: a leaked database row opens nothing.
The token travels in a URL, which is why it is single-use and lives for seconds.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dockpulse.tenancy import tenant_context
from platform_app.directory import info_from_model
from platform_app.models import ImpersonationGrant, Tenant
from platform_app.selectors import tenant_get
from tenant_apps.accounts.models import Role, User

from .audit import AuditOrigin, audit_record


@dataclass(frozen=True, slots=True)
class ImpersonationStart:
    grant: ImpersonationGrant
    url: str  # the one-time link into the tenant's panel


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tenant_admin_email(tenant: Tenant) -> str | None:
    """The tenant's oldest active admin: the account its owner made first, the one most
    likely to see what the owner sees."""
    with tenant_context(info_from_model(tenant)):
        user = (
            User.objects.filter(role=Role.ADMIN, is_active=True)
            .order_by("created_at", "email")
            .only("email")
            .first()
        )
    return user.email if user is not None else None


def tenant_url(
    slug: str, path: str, *, scheme: str = "https", port: str | int | None = None
) -> str:
    """http(s)://<slug>.BASE_DOMAIN[:port]<path>; the port is left out when it is the
    scheme's default."""
    default = {"http": "80", "https": "443"}.get(scheme)
    netloc = f"{slug}.{settings.BASE_DOMAIN}"
    if port and str(port) != default:
        netloc += f":{port}"
    return f"{scheme}://{netloc}{path}"


def impersonation_start(
    *,
    slug: str,
    reason: str,
    origin: AuditOrigin,
    scheme: str = "https",
    port: str | int | None = None,
) -> ImpersonationStart:
    """A grant for `origin`'s admin to act as `slug`'s admin, and the one-time URL.

    `scheme` and `port` are the platform request's: the tenant host is served by the same
    server (a development server on :8000 links to <slug>.localhost:8000).
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you open this tenant's panel.")]})
    if not origin.admin_email:
        raise ValidationError(_("Only a signed-in platform admin may open a tenant's panel."))
    tenant = tenant_get(slug)
    if tenant.status != Tenant.Status.ACTIVE:
        raise ValidationError(
            _("Tenant %(slug)s is %(status)s: only an active tenant's panel can be opened.")
            % {"slug": tenant.slug, "status": tenant.get_status_display()}
        )
    try:
        user_email = tenant_admin_email(tenant)
    except DatabaseError as exc:
        raise ValidationError(
            # The driver's first line says enough (which server, what it answered).
            _("The tenant's database does not answer: %(error)s")
            % {"error": (str(exc).strip().splitlines() or [type(exc).__name__])[0]}
        ) from exc
    if user_email is None:
        raise ValidationError(
            _("Tenant %(slug)s has no active administrator to sign in as.") % {"slug": tenant.slug}
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic(using="default"):
        grant = ImpersonationGrant.objects.create(
            tenant=tenant,
            admin_email=origin.admin_email,
            user_email=user_email,
            token_hash=token_hash(token),
            reason=reason,
            redeem_by=now + timedelta(seconds=settings.PLATFORM_IMPERSONATION_REDEEM_SECONDS),
            expires_at=now + timedelta(minutes=settings.PLATFORM_IMPERSONATION_MINUTES),
        )
        audit_record(
            action="tenant.impersonation_started",
            actor="admin",
            tenant=tenant,
            origin=origin,
            details={
                "grant": str(grant.id),
                "user": user_email,
                "reason": reason,
                "expires_at": grant.expires_at.isoformat(timespec="seconds"),
            },
        )
    url = tenant_url(tenant.slug, f"/impersonate/{token}/", scheme=scheme, port=port)
    return ImpersonationStart(grant=grant, url=url)
